package dev.shelter.service.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jersey.errors.ErrorMessage;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;

/**
 * Errors that never reach Jersey (bad URIs, unknown admin paths, servlet failures) in the same
 * JSON shape as the API's own: {"code":…,"message":…}, whatever the client accepts. No HTML,
 * no stack trace.
 */
public final class JsonErrorHandler extends ErrorHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    public JsonErrorHandler() {
        setShowStacks(false);
        setShowMessageInTitle(false);
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    /** Jetty writes error bodies only for GET, POST and HEAD by default; a refused PUT or DELETE deserves one too. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    /** Requests the HTTP parser refuses (a bad path, header or method) before any handler runs. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    /** The one error shape, {"code":…,"message":…}, as bytes; messages of 5xx answers are the status text only. */
    public static byte[] body(int code, String message) {
        String text = message == null || message.isBlank() || code >= 500 ? HttpStatus.getMessage(code) : message;
        try {
            return JSON.writeValueAsBytes(new ErrorMessage(code, text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ErrorMessage always serialises", e);
        }
    }
}
