package dev.shelter.service.api;

import java.util.List;

/** A cluster's restores, newest first. */
public record RestoreListView(List<RestoreView> restores) {
}
