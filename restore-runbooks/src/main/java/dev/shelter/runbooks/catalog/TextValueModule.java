package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.util.function.Function;

/**
 * Value types written as plain JSON strings ({@code "0/3000028"}, not {@code {"value":…}}), read back
 * through their own parser so that a document cannot smuggle in a value the type would refuse. Every
 * document Shelter stores uses it: manifests, journals, the WAL archive's state.
 */
public final class TextValueModule extends SimpleModule {

    public TextValueModule(String name) {
        super(name);
    }

    public <T> TextValueModule add(Class<T> type, Function<T, String> write, Function<String, T> read) {
        addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(write.apply(value));
            }
        });
        addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser in, DeserializationContext context) throws IOException {
                return read.apply(in.getValueAsString());
            }
        });
        return this;
    }
}
