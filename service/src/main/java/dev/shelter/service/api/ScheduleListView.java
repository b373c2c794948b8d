package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A cluster's schedules. */
public record ScheduleListView(@JsonProperty("schedules") List<ScheduleView> schedules) {
}
