package dev.shelter.storage.rbd;

import com.ceph.rados.IoCTX;
import com.ceph.rados.Rados;
import com.ceph.rados.exceptions.RadosException;

/** One connection to a Ceph cluster through librados. Thread-safe; close it once. */
public final class RadosCluster implements AutoCloseable {

    private final Rados rados;
    private final CephConfig config;

    private RadosCluster(Rados rados, CephConfig config) {
        this.rados = rados;
        this.config = config;
    }

    /**
     * Connects, bounding every wait by the configured timeout: librados otherwise waits
     * five minutes for an absent monitor, which would hang health checks and steps alike.
     */
    public static RadosCluster connect(CephConfig config) {
        Rados rados = new Rados(config.user());
        String seconds = Long.toString(Math.max(1, config.operationTimeout().toSeconds()));
        try {
            rados.confReadFile(config.configFile().toFile());
            rados.confSet("keyring", config.keyringFile().toString());
            rados.confSet("client_mount_timeout", seconds);
            rados.confSet("rados_mon_op_timeout", seconds);
            rados.confSet("rados_osd_op_timeout", seconds);
            rados.connect();
            return new RadosCluster(rados, config);
        } catch (RadosException e) {
            rados.shutDown();
            throw new CephException("cannot connect to Ceph as client." + config.user() + " with " + config.configFile(),
                    e.getReturnValue(), e);
        }
    }

    public String fsid() {
        try {
            return rados.clusterFsid();
        } catch (RadosException e) {
            throw new CephException("cannot read the cluster fsid", e.getReturnValue(), e);
        }
    }

    /** Opens the configured pool for RBD work. */
    public RbdPool openPool() {
        try {
            IoCTX ioctx = rados.ioCtxCreate(config.pool());
            return new RbdPool(rados, ioctx, config.pool());
        } catch (RadosException e) {
            throw new CephException("cannot open pool '" + config.pool() + "'", e.getReturnValue(), e);
        }
    }

    @Override
    public void close() {
        rados.shutDown();
    }
}
