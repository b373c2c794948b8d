package dev.shelter.runbooks.engine;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The fake "real state" steps act on: which effects exist, and every call the engine made. */
final class World {

    final Set<String> effects = ConcurrentHashMap.newKeySet();
    final List<String> calls = new CopyOnWriteArrayList<>();

    World having(String... present) {
        effects.addAll(List.of(present));
        return this;
    }

    List<String> callsOf(String kind) {
        return calls.stream().filter(call -> call.startsWith(kind + " ")).map(call -> call.substring(kind.length() + 1)).toList();
    }
}
