package dev.shelter.service.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.shelter.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the OpenAPI document true to the resources, and every API endpoint behind a role. */
class ApiSurfaceTest {

    /** Every {@code @Path} class of this package, found on disk so that a new resource cannot be missed. */
    private static final List<Class<?>> RESOURCES = findResources();

    @Test
    void documentListsExactlyTheServedOperations() throws Exception {
        JsonNode document;
        try (InputStream in = OpenApiResource.class.getResourceAsStream(OpenApiResource.DOCUMENT)) {
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        Set<String> documented = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                .forEachRemaining(verb -> documented.add(verb.toUpperCase(Locale.ROOT) + " " + path.getKey())));

        Set<String> served = new TreeSet<>();
        for (Class<?> resource : RESOURCES) {
            for (Method method : resource.getDeclaredMethods()) {
                String verb = verbOf(method);
                if (verb != null) {
                    served.add(verb + " " + pathOf(resource, method));
                }
            }
        }
        assertEquals(served, documented);
    }

    @Test
    void everyApiOperationNeedsARoleExceptTheDocument() {
        for (Class<?> resource : RESOURCES) {
            for (Method method : resource.getDeclaredMethods()) {
                if (verbOf(method) != null && resource != OpenApiResource.class) {
                    RolesAllowed roles = method.getAnnotation(RolesAllowed.class);
                    assertNotNull(roles, resource.getSimpleName() + "." + method.getName() + " has no @RolesAllowed");
                    assertTrue(ROLE_NAMES.containsAll(List.of(roles.value())), method.getName());
                }
            }
        }
    }

    private static final Set<String> ROLE_NAMES = Arrays.stream(Role.values())
            .map(role -> role.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());

    private static List<Class<?>> findResources() {
        java.nio.file.Path mainClasses;
        try {
            mainClasses = java.nio.file.Path.of(ClustersResource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<java.nio.file.Path> files = Files.list(mainClasses.resolve(ApiSurfaceTest.class.getPackageName().replace('.', '/')))) {
            List<Class<?>> resources = new ArrayList<>();
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = file.getFileName().toString();
                Class<?> type = Class.forName(ApiSurfaceTest.class.getPackageName() + "." + name.substring(0, name.length() - 6));
                if (type.isAnnotationPresent(Path.class)) {
                    resources.add(type);
                }
            }
            assertTrue(resources.contains(ClustersResource.class), "resource discovery found " + resources);
            return resources;
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the resource classes", e);
        }
    }

    private static String verbOf(Method method) {
        if (method.isAnnotationPresent(GET.class)) {
            return "GET";
        }
        if (method.isAnnotationPresent(POST.class)) {
            return "POST";
        }
        if (method.isAnnotationPresent(PUT.class)) {
            return "PUT";
        }
        if (method.isAnnotationPresent(DELETE.class)) {
            return "DELETE";
        }
        return null;
    }

    private static String pathOf(Class<?> resource, Method method) {
        String base = resource.getAnnotation(Path.class).value();
        Path sub = method.getAnnotation(Path.class);
        return sub == null ? base : base + (sub.value().startsWith("/") ? "" : "/") + sub.value();
    }
}
