package dev.shelter.storage.rbd;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** librbd's {@code rbd_diff_iterate2}, which rados-java does not bind: bound here the way it binds the rest. */
interface LibRbdDiff extends Library {

    LibRbdDiff INSTANCE = Native.load("rbd", LibRbdDiff.class);

    /** {@code int (*cb)(uint64_t offset, size_t length, int exists, void *arg)}; a non-zero return stops the iteration. */
    interface ExtentCallback extends Callback {
        int invoke(long offset, long length, int exists, Pointer arg);
    }

    int rbd_diff_iterate2(Pointer image, String fromSnapshot, long offset, long length, byte includeParent, byte wholeObject,
                          ExtentCallback callback, Pointer arg);
}
