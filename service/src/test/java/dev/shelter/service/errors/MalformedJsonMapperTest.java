package dev.shelter.service.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.service.api.BackupOrder;
import dev.shelter.service.api.InspectionRequest;
import dev.shelter.service.api.StrictJson;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a client reads when its body is refused: the field and what it must be, in Shelter's words, never Jackson's. */
class MalformedJsonMapperTest {

    private static final ObjectMapper STRICT = StrictJson.configure(new ObjectMapper());

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"mode\":\"online\",\"mode\":\"offline\"} | malformed JSON (line 1, column 24): duplicate field 'mode'",
            "{\"label\":5}                             | 'label' must be a string, not 5 (line 1, column 10)",
            "{\"label\":true}                          | 'label' must be a string, not true (line 1, column 10)",
            "{\"fastCheckpoint\":1}                    | 'fastCheckpoint' must be true or false, not 1 (line 1, column 19)",
            "{\"fastCheckpoint\":\"true\"}             | 'fastCheckpoint' must be true or false, not \"true\" (line 1, column 19)",
            "{\"modes\":\"online\"}                    | unknown field 'modes'; the fields are confirm, dryRun, fastCheckpoint, label, mode (line 1, column 19)",
            "{\"mode\":\"online\"} {}                  | malformed JSON (line 1, column 19): content after the JSON object",
            "{\"label\":[\"x\"]}                       | 'label' must be a string (line 1, column 10)",
            "[]                                        | the body must be a JSON object (line 1, column 1)",
            "{\"mode\":                                | malformed JSON (line 1, column 9): the body ends before the JSON does",
    })
    void aBackupOrderIsRefusedNamingTheFieldAndWhatItMustBe(String body, String message) {
        assertEquals(message, refusal(body, BackupOrder.class));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"timeoutSeconds\":\"5\"} | 'timeoutSeconds' must be a whole number, not \"5\" (line 1, column 19)",
            "{\"timeoutSeconds\":5.5}   | 'timeoutSeconds' must be a whole number, not 5.5 (line 1, column 19)",
    })
    void anInspectionRequestIsRefusedNamingTheFieldAndWhatItMustBe(String body, String message) {
        assertEquals(message, refusal(body, InspectionRequest.class));
    }

    private static String refusal(String body, Class<?> type) {
        JsonProcessingException refused = assertThrows(JsonProcessingException.class, () -> STRICT.readValue(body, type));
        return MalformedJsonMapper.describe(refused);
    }
}
