package dev.shelter.storage.blob.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransientS3FailureTest {

    @Test
    void aBusyOrBrokenServerAndADamagedBodyAreWorthAnotherAttempt() {
        for (int status : new int[] {429, 500, 502, 503, 504}) {
            assertTrue(TransientS3Failure.isTransient(S3Exception.builder().statusCode(status).build()), "HTTP " + status);
        }
        assertTrue(TransientS3Failure.isTransient(s3Error(400, "BadDigest")));
        assertTrue(TransientS3Failure.isTransient(s3Error(400, "RequestTimeout")));
    }

    @Test
    void aFailedNetworkIsWorthAnotherAttempt() {
        assertTrue(TransientS3Failure.isTransient(SdkClientException.create("Unable to execute HTTP request",
                new ConnectException("Connection refused"))));
        assertTrue(TransientS3Failure.isTransient(SdkClientException.create("Unable to execute HTTP request",
                new RuntimeException(new SocketTimeoutException("Read timed out")))));
    }

    @Test
    void deniedMissingOrMalformedRequestsFailAtOnce() {
        assertFalse(TransientS3Failure.isTransient(s3Error(403, "AccessDenied")));
        assertFalse(TransientS3Failure.isTransient(s3Error(403, "SignatureDoesNotMatch")));
        assertFalse(TransientS3Failure.isTransient(NoSuchKeyException.builder().statusCode(404).build()));
        assertFalse(TransientS3Failure.isTransient(s3Error(400, "InvalidArgument")));
        assertFalse(TransientS3Failure.isTransient(S3Exception.builder().statusCode(404).build()), "HEAD: a status, no code");
        assertFalse(TransientS3Failure.isTransient(SdkClientException.create("Unable to load credentials")));
        assertFalse(TransientS3Failure.isTransient(new IllegalStateException("a bug, not the network")));
    }

    private static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
