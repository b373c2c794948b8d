package dev.shelter.runbooks.patroni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;
import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.cluster.HaRole;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link HaControl} over Patroni 3.0's REST API: {@code GET /cluster}, {@code PATCH /config} for pause,
 * {@code POST /switchover}. Any member answers for the whole cluster (they all read the same DCS), so
 * each call goes to the first endpoint that answers. Changes return once Patroni shows them; a
 * switchover also asks the new leader itself at the {@code api_url} it advertises to its peers, so
 * that address must be reachable from here too.
 */
public final class PatroniRestClient implements HaControl {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final int MESSAGE_LIMIT = 300;

    private final List<URI> endpoints;
    private final Duration requestTimeout;
    private final Duration settleTimeout;
    private final Optional<String> authorization;
    private final Optional<PatroniDcs> dcs;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param endpoints     Patroni REST base URIs (e.g. {@code http://10.0.0.5:8008}), tried in order
     * @param requestTimeout for connecting and for each answer
     * @param settleTimeout how long pause and resume wait for Patroni to show the change
     */
    public PatroniRestClient(List<URI> endpoints, Duration requestTimeout, Duration settleTimeout) {
        this(endpoints, requestTimeout, settleTimeout, Optional.empty());
    }

    public PatroniRestClient(List<URI> endpoints, Duration requestTimeout, Duration settleTimeout,
            Optional<PatroniCredentials> credentials) {
        this(endpoints, requestTimeout, settleTimeout, credentials, Optional.empty());
    }

    /** @param dcs where Patroni keeps the cluster's state; needed only to {@link #resetHistory} */
    public PatroniRestClient(List<URI> endpoints, Duration requestTimeout, Duration settleTimeout,
            Optional<PatroniCredentials> credentials, Optional<PatroniDcs> dcs) {
        this.dcs = Objects.requireNonNull(dcs, "dcs");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one Patroni REST endpoint is needed");
        }
        this.endpoints = List.copyOf(endpoints);
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "request timeout");
        this.settleTimeout = Objects.requireNonNull(settleTimeout, "settle timeout");
        this.authorization = credentials.map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8)));
        // Patroni's server speaks HTTP/1.0; the default (HTTP/2) would only add an upgrade attempt.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(requestTimeout).build();
    }

    @Override
    public List<HaMember> members() {
        return clusterState().members();
    }

    @Override
    public HaMember leader() {
        PatroniClusterState state = clusterState();
        return state.leader().orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND,
                "Patroni reports no leader; members: " + state.describe()));
    }

    @Override
    public boolean isPaused() {
        return clusterState().paused();
    }

    @Override
    public void pause() {
        setPaused(true);
    }

    @Override
    public void resume() {
        setPaused(false);
    }

    @Override
    public void switchover(String candidate, Duration timeout) {
        Objects.requireNonNull(candidate, "candidate");
        long deadline = System.nanoTime() + timeout.toNanos();
        PatroniClusterState state = clusterState();
        HaMember target = state.member(candidate).orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND,
                "cannot switch over to '" + candidate + "': it is not a member of this Patroni cluster (members: "
                        + state.describe() + ")"));
        if (target.role() != HaRole.LEADER) {
            if (!isHealthyReplica(target)) {
                throw new ClusterTargetException(Reason.REFUSED, "cannot switch over to '" + candidate
                        + "': it is not a running replica with a known lag (members: " + state.describe() + ")");
            }
            HaMember leader = state.leader().orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND,
                    "cannot switch over to '" + candidate + "': Patroni reports no leader (members: " + state.describe() + ")"));
            String body = json.createObjectNode().put("leader", leader.name()).put("candidate", candidate).toString();
            // Patroni holds this request until the DCS shows the new leader (up to 2 x max(10 s, loop_wait)).
            expectSuccess(send("POST", "/switchover", Optional.of(body), remaining(deadline)), "POST /switchover");
        }
        awaitCondition(deadline, timeout, "'" + candidate + "' leading as a running primary", () -> notYetPrimary(candidate));
    }

    /** The keys of what Patroni remembers of the cluster's past; its configuration (with the pause flag) and members stay. */
    private static final List<String> HISTORY_KEYS = List.of("initialize", "history", "optime", "status", "failover", "sync", "failsafe");

    @Override
    public HaMember resetHistory(SystemIdentifier system, Duration timeout) {
        PatroniDcs store = dcs.orElseThrow(() -> new ClusterTargetException(Reason.REFUSED,
                "Patroni's history cannot be reset without its DCS: configure where Patroni keeps its state"));
        long deadline = System.nanoTime() + timeout.toNanos();
        HISTORY_KEYS.forEach(store::deleteTree);
        String[] leader = {null};
        awaitCondition(deadline, timeout, "a running primary holding the leader lock with system " + system + " recorded in "
                + store.describe(), () -> {
                    Optional<HaMember> leading = clusterState().leader();
                    if (leading.isEmpty()) {
                        return Optional.of("no member holds the leader lock");
                    }
                    Optional<String> notPrimary = notYetPrimary(leading.get().name());
                    if (notPrimary.isPresent()) {
                        return notPrimary;
                    }
                    Optional<String> recorded = store.get("initialize").map(PatroniDcs.Entry::value);
                    if (!recorded.equals(Optional.of(system.toString()))) {
                        return Optional.of("initialize is " + recorded.orElse("not written yet"));
                    }
                    leader[0] = leading.get().name();
                    return Optional.empty();
                });
        return clusterState().member(leader[0]).orElseThrow();
    }

    /**
     * Asks {@code member} to reinitialize (Patroni stops it, removes its data and takes a base backup
     * from the leader) and waits until it runs as a replica on the leader's timeline and the leader
     * reports it streaming: a member left on the old history cannot follow the new timeline.
     */
    @Override
    public void rebuild(String member, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PatroniClusterState state = clusterState();
        state.member(member).orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND, "cannot rebuild '" + member
                + "': it is not a member of this Patroni cluster (members: " + state.describe() + ")"));
        HaMember leader = state.leader().orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND, "cannot rebuild '" + member
                + "': Patroni reports no leader to rebuild it from (members: " + state.describe() + ")"));
        if (leader.name().equals(member)) {
            throw new ClusterTargetException(Reason.REFUSED, "cannot rebuild '" + member + "': it is the leader");
        }
        URI memberApi = apiBase(state, member);
        URI leaderApi = apiBase(state, leader.name());
        String body = json.createObjectNode().put("force", true).toString();
        try {
            expectSuccess(sendTo(memberApi, "POST", "/reinitialize", Optional.of(body), requestTimeout), "POST /reinitialize");
        } catch (IOException e) {
            throw new ClusterTargetException(Reason.UNAVAILABLE, "'" + member + "' at " + memberApi + " did not answer POST /reinitialize: "
                    + e.getMessage() + "; it may still carry it out", e);
        }
        awaitCondition(deadline, timeout, "'" + member + "' rebuilt and streaming from '" + leader.name() + "'", () -> {
            Optional<JsonNode> own = memberStatus(URI.create(base(memberApi) + "/patroni"));
            Optional<JsonNode> leading = memberStatus(URI.create(base(leaderApi) + "/patroni"));
            if (own.isEmpty() || leading.isEmpty()) {
                return Optional.of(member + " or " + leader.name() + " does not answer");
            }
            long timeline = leading.get().path("timeline").asLong(-1);
            if (!own.get().path("role").asText().equals("replica") || !own.get().path("state").asText().equals("running")
                    || own.get().path("timeline").asLong(-2) != timeline) {
                return Optional.of(member + " reports role " + own.get().path("role").asText() + ", state "
                        + own.get().path("state").asText() + ", timeline " + own.get().path("timeline").asText("?")
                        + " (the leader's: " + timeline + ")");
            }
            for (JsonNode replica : leading.get().path("replication")) {
                if (replica.path("application_name").asText().equals(member) && replica.path("state").asText().equals("streaming")) {
                    return Optional.empty();
                }
            }
            return Optional.of(leader.name() + " does not yet report " + member + " streaming");
        });
    }

    /** A member's REST API root, from the api_url it advertises ({@code http://host:port/patroni}). */
    private static URI apiBase(PatroniClusterState state, String member) {
        URI status = state.statusUrl(member).orElseThrow(() -> new ClusterTargetException(Reason.NOT_FOUND,
                "'" + member + "' advertises no api_url to reach it at"));
        return URI.create(status.toString().replaceAll("/patroni/?$", ""));
    }

    /**
     * Empty once {@code candidate} holds the leader lock and its own status says its PostgreSQL runs
     * out of recovery. The lock alone is not enough: Patroni takes it before it promotes, and
     * {@code GET /cluster} calls the new leader "running" while it still replays.
     */
    private Optional<String> notYetPrimary(String candidate) {
        PatroniClusterState state = clusterState();
        if (state.leader().filter(leader -> leader.name().equals(candidate)).isEmpty()) {
            return Optional.of(state.describe());
        }
        Optional<URI> statusUrl = state.statusUrl(candidate);
        if (statusUrl.isEmpty()) {
            return Optional.of(candidate + " leads but advertises no api_url to ask it");
        }
        Optional<JsonNode> status = memberStatus(statusUrl.get());
        if (status.isEmpty()) {
            return Optional.of(candidate + " leads but does not answer at " + statusUrl.get());
        }
        String role = status.get().path("role").asText("");
        String postgresState = status.get().path("state").asText("");
        // Patroni 3.0 says "master"; later releases "primary".
        boolean primary = (role.equals("master") || role.equals("primary")) && postgresState.equals("running");
        return primary ? Optional.empty() : Optional.of(candidate + " leads but reports role " + role + ", state " + postgresState);
    }

    /**
     * Writes {@code pause} into the cluster's dynamic configuration, then waits until the DCS shows it
     * and every member that answers reports it: a member acts on the flag only from its next HA loop,
     * and a runbook must not stop a server while a member could still restart it.
     */
    private void setPaused(boolean paused) {
        long deadline = System.nanoTime() + settleTimeout.toNanos();
        if (pauseNotYetShown(paused).isEmpty()) {
            return;
        }
        String body = json.createObjectNode().put("pause", paused).toString();
        while (true) {
            Answer answer = send("PATCH", "/config", Optional.of(body), requestTimeout);
            // 409: another writer changed the configuration between Patroni's read and write; its patch reads afresh.
            if (answer.status() != 409 || System.nanoTime() - deadline >= 0) {
                expectSuccess(answer, "PATCH /config");
                break;
            }
            sleep();
        }
        awaitCondition(deadline, settleTimeout, paused ? "the cluster paused" : "the cluster resumed", () -> pauseNotYetShown(paused));
    }

    /** Empty once the DCS and every answering member show {@code paused}; otherwise what they show. */
    private Optional<String> pauseNotYetShown(boolean paused) {
        PatroniClusterState state = clusterState();
        if (state.paused() != paused) {
            return Optional.of("cluster paused=" + state.paused());
        }
        List<String> lagging = new ArrayList<>();
        for (URI endpoint : endpoints) {
            // A member that does not answer reads the flag from the DCS when it comes back.
            memberStatus(URI.create(base(endpoint) + "/patroni")).filter(status -> status.path("pause").asBoolean(false) != paused)
                    .ifPresent(status -> lagging.add(endpoint + " still reports paused=" + !paused));
        }
        return lagging.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", lagging));
    }

    /** A member's own {@code GET /patroni} status; empty if it does not answer. 503 (PostgreSQL down) still carries it. */
    private Optional<JsonNode> memberStatus(URI statusUrl) {
        try {
            Answer answer = sendTo(statusUrl, "GET", "", Optional.empty(), requestTimeout);
            return Optional.of(json.readTree(answer.body()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private PatroniClusterState clusterState() {
        Answer answer = expectSuccess(send("GET", "/cluster", Optional.empty(), requestTimeout), "GET /cluster");
        try {
            return PatroniClusterState.parse(answer.body());
        } catch (IllegalArgumentException e) {
            throw new ClusterTargetException(Reason.UNAVAILABLE, "Patroni at " + answer.endpoint()
                    + " answered GET /cluster with something that is not a cluster state: " + e.getMessage());
        }
    }

    /** Patroni's own word for it: a member whose PostgreSQL is up (3.0.2 says "running"; later releases "streaming"). */
    private static boolean isRunning(HaMember member) {
        return member.state().equals("running") || member.state().equals("streaming");
    }

    private static boolean isHealthyReplica(HaMember member) {
        return member.role() == HaRole.REPLICA && isRunning(member) && member.lagBytes().isPresent();
    }

    private record Answer(URI endpoint, int status, String body) {
    }

    /**
     * Sends to the first endpoint that answers, whatever it answers. A change whose answer timed out
     * is not sent again elsewhere: Patroni may still be carrying it out.
     */
    private Answer send(String method, String path, Optional<String> body, Duration timeout) {
        List<String> failures = new ArrayList<>();
        for (URI endpoint : endpoints) {
            try {
                return sendTo(endpoint, method, path, body, timeout);
            } catch (HttpConnectTimeoutException e) {
                failures.add(endpoint + ": no connection within " + requestTimeout.toMillis() + " ms");
            } catch (HttpTimeoutException e) {
                if (!method.equals("GET")) {
                    throw new ClusterTargetException(Reason.TIMEOUT, "Patroni at " + endpoint + " did not answer " + method + " "
                            + path + " within " + timeout.toMillis() + " ms; it may still carry it out", e);
                }
                failures.add(endpoint + ": no answer within " + timeout.toMillis() + " ms");
            } catch (IOException e) {
                failures.add(endpoint + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
            }
        }
        throw new ClusterTargetException(Reason.UNAVAILABLE, "no Patroni member answered " + method + " " + path + ": "
                + String.join("; ", failures));
    }

    private Answer sendTo(URI endpoint, String method, String path, Optional<String> body, Duration timeout) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base(endpoint) + path)).timeout(timeout)
                .method(method, body.map(HttpRequest.BodyPublishers::ofString).orElse(HttpRequest.BodyPublishers.noBody()));
        body.ifPresent(ignored -> request.header("Content-Type", "application/json"));
        authorization.ifPresent(value -> request.header("Authorization", value));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(endpoint, response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterTargetException(Reason.UNAVAILABLE, "interrupted while waiting for Patroni at " + endpoint, e);
        }
    }

    private static String base(URI endpoint) {
        return endpoint.toString().replaceAll("/+$", "");
    }

    private static Answer expectSuccess(Answer answer, String request) {
        if (answer.status() / 100 != 2) {
            throw refusal(request, answer.endpoint(), answer.status(), answer.body());
        }
        return answer;
    }

    /** Maps Patroni's HTTP answer to a reason; the message carries Patroni's own text. */
    static ClusterTargetException refusal(String request, URI endpoint, int status, String body) {
        Reason reason = switch (status) {
            case 401, 403 -> Reason.FORBIDDEN;
            case 404 -> Reason.NOT_FOUND;
            case 409 -> Reason.CONFLICT;
            case 400, 412 -> Reason.REFUSED;
            default -> Reason.UNAVAILABLE;
        };
        return new ClusterTargetException(reason, "Patroni at " + endpoint + " answered " + request + " with " + status + ": "
                + plainText(body));
    }

    /** Patroni answers in plain text, or with the HTML error page of Python's http.server: keep the words, briefly. */
    private static String plainText(String body) {
        String text = body == null ? "" : body.replaceAll("(?s)<head>.*?</head>", " ").replaceAll("<[^>]*>", " ")
                .replaceAll("\\s+", " ").strip();
        if (text.isEmpty()) {
            return "(no message)";
        }
        return text.length() <= MESSAGE_LIMIT ? text : text.substring(0, MESSAGE_LIMIT) + "...";
    }

    private static void awaitCondition(long deadline, Duration timeout, String what, Supplier<Optional<String>> pending) {
        String lastSeen = "nothing yet";
        while (true) {
            try {
                Optional<String> notYet = pending.get();
                if (notYet.isEmpty()) {
                    return;
                }
                lastSeen = notYet.get();
            } catch (ClusterTargetException e) {
                // Members restart during a switchover; only the deadline ends the wait.
                if (e.reason() != Reason.UNAVAILABLE) {
                    throw e;
                }
                lastSeen = e.getMessage();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new ClusterTargetException(Reason.TIMEOUT, "Patroni did not show " + what + " within "
                        + timeout.toMillis() + " ms; last seen: " + lastSeen);
            }
            sleep();
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), Duration.ofSeconds(1).toNanos()));
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterTargetException(Reason.UNAVAILABLE, "interrupted while waiting for Patroni", e);
        }
    }
}
