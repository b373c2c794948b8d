package dev.shelter.service.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;

/**
 * Every JSON request body, before it is bound to a request record: at most {@value #MAX_BYTES}
 * bytes (413 beyond, told by Content-Length or found while reading), no byte-order mark, one JSON
 * object (an empty body means "all defaults"), no duplicate key and no explicit {@code null}
 * (a field left out takes its default; a null would be a guess). Our JSON requests are a few
 * hundred bytes; the cap keeps a client from making the server parse megabytes of whitespace.
 */
public final class JsonBodyGuard implements ReaderInterceptor {

    public static final int MAX_BYTES = 16 * 1024;

    private final ObjectMapper strict;

    public JsonBodyGuard(ObjectMapper strict) {
        this.strict = strict;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        if (context.getMediaType() == null || !context.getMediaType().isCompatible(MediaType.APPLICATION_JSON_TYPE)
                || context.getType() == InputStream.class) {
            return context.proceed();
        }
        String declared = context.getHeaders().getFirst(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > MAX_BYTES) {
            throw RequestBodies.tooLarge("a JSON request", MAX_BYTES);
        }
        byte[] body = RequestBodies.readUpTo(context.getInputStream(), MAX_BYTES, "a JSON request");
        if (body.length > MAX_BYTES) {
            throw RequestBodies.tooLarge("a JSON request", MAX_BYTES);
        }
        if (body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            throw badRequest("the body starts with a byte-order mark; send plain UTF-8 JSON");
        }
        if (!new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            JsonNode tree = strict.readTree(body);
            if (!tree.isObject()) {
                throw badRequest("the body must be a JSON object, not " + kindOf(tree));
            }
            requireNoNulls(tree, "");
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }

    private static void requireNoNulls(JsonNode node, String path) {
        if (node.isNull()) {
            throw badRequest("'" + path + "' is null: leave a field out to take its default");
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                requireNoNulls(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireNoNulls(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static String kindOf(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            return "an array";
        }
        return node.isTextual() ? "a string" : node.isNumber() ? "a number" : node.isBoolean() ? "true or false" : "that";
    }

    private static WebApplicationException badRequest(String message) {
        return new WebApplicationException(message, Response.Status.BAD_REQUEST);
    }
}
