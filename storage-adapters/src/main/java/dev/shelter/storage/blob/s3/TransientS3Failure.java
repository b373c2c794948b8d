package dev.shelter.storage.blob.s3;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * The one place that decides whether a failed S3 request may succeed if sent again: the network
 * failed (refused, reset, timed out), or the server said it is busy or broken (429, 5xx) or that
 * the body arrived damaged. Anything else (denied, missing, malformed) fails at once: retrying
 * would only delay the error an operator must see.
 */
final class TransientS3Failure {

    private static final Set<Integer> TRANSIENT_STATUS = Set.of(429, 500, 502, 503, 504);
    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable",
            "Throttling", "ThrottlingException", "BadDigest", "IncompleteBody");

    private TransientS3Failure() {
    }

    static boolean isTransient(Throwable failure) {
        if (failure instanceof SdkServiceException service) {
            if (TRANSIENT_STATUS.contains(service.statusCode())) {
                return true;
            }
            String code = failure instanceof S3Exception s3 && s3.awsErrorDetails() != null ? s3.awsErrorDetails().errorCode() : null;
            return code != null && TRANSIENT_CODES.contains(code); // Set.of refuses to look up null
        }
        if (failure instanceof SdkClientException) {
            for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof IOException || cause instanceof UncheckedIOException) {
                    return true;
                }
            }
        }
        return false;
    }
}
