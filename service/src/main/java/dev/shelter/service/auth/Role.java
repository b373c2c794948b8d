package dev.shelter.service.auth;

/** What a token may do. Each role includes the ones before it: viewer &lt; operator &lt; admin. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    /** The names used in {@code @RolesAllowed}: the lowest role an endpoint needs. */
    public static final String VIEWER_OR_ABOVE = "viewer";
    public static final String OPERATOR_OR_ABOVE = "operator";
    public static final String ADMIN_ONLY = "admin";

    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }
}
