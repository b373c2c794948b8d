package dev.shelter.service.api;

import java.util.List;

/** {@code GET /api/v1/clusters}. An envelope, so that paging can be added without breaking clients. */
public record ClusterListView(List<ClusterView> clusters) {
}
