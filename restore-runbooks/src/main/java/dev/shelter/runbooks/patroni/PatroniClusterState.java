package dev.shelter.runbooks.patroni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.cluster.HaRole;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What Patroni's {@code GET /cluster} says: the members, in Patroni's order, whether the cluster is
 * paused, and where each member answers for itself ({@code api_url}, its {@code GET /patroni}).
 */
public record PatroniClusterState(List<HaMember> members, boolean paused, Map<String, URI> statusUrls) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public PatroniClusterState {
        members = List.copyOf(members);
        statusUrls = Map.copyOf(statusUrls);
    }

    /** Reads a {@code GET /cluster} body (Patroni 3.0); {@link IllegalArgumentException} if it is not one. */
    public static PatroniClusterState parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.path("members").isArray()) {
            throw new IllegalArgumentException("no \"members\" array");
        }
        List<HaMember> members = new ArrayList<>();
        Map<String, URI> statusUrls = new HashMap<>();
        for (JsonNode member : root.path("members")) {
            if (!member.path("name").isTextual()) {
                throw new IllegalArgumentException("a member without a name: " + member);
            }
            if (member.path("api_url").isTextual()) {
                try {
                    statusUrls.put(member.path("name").asText(), new URI(member.path("api_url").asText()));
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("member " + member.path("name").asText() + " has a malformed api_url: "
                            + e.getMessage());
                }
            }
            members.add(new HaMember(member.path("name").asText(), roleOf(member.path("role").asText("")),
                    member.path("state").asText(""), member.path("host").asText(""), member.path("port").asInt(0),
                    lagOf(member.path("lag"))));
        }
        // Patroni writes "pause" only while paused.
        return new PatroniClusterState(members, root.path("pause").asBoolean(false), statusUrls);
    }

    /** Patroni's role names; "master" is what releases before 3.0 (and some DCS records) still say. */
    static HaRole roleOf(String patroniRole) {
        return switch (patroniRole) {
            case "leader", "master", "standby_leader" -> HaRole.LEADER;
            case "replica", "sync_standby" -> HaRole.REPLICA;
            default -> HaRole.OTHER;
        };
    }

    /** Bytes behind the leader; Patroni says "unknown" for a replica that reports no position, and nothing for the leader. */
    private static Optional<Long> lagOf(JsonNode lag) {
        return lag.isIntegralNumber() ? Optional.of(lag.asLong()) : Optional.empty();
    }

    public Optional<HaMember> leader() {
        return members.stream().filter(member -> member.role() == HaRole.LEADER).findFirst();
    }

    public Optional<HaMember> member(String name) {
        return members.stream().filter(member -> member.name().equals(name)).findFirst();
    }

    /** The member's own status URL ({@code GET /patroni}), as the member advertises it to its peers. */
    public Optional<URI> statusUrl(String name) {
        return Optional.ofNullable(statusUrls.get(name));
    }

    /** e.g. "m0 (LEADER, running), m1 (REPLICA, stopped, lag unknown)", for messages. */
    public String describe() {
        if (members.isEmpty()) {
            return "no members";
        }
        return members.stream().map(member -> member.name() + " (" + member.role() + ", " + member.state()
                        + (member.role() == HaRole.REPLICA ? member.lagBytes().map(lag -> ", lag " + lag + " B").orElse(", lag unknown") : "")
                        + ")")
                .collect(Collectors.joining(", ")) + (paused ? "; paused" : "");
    }
}
