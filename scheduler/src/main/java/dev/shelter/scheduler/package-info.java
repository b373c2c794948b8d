/**
 * Quartz schedules, retention sweeps, verification and drills (later issues). The scheduler calls the
 * service through an interface it defines here and depends on no other Shelter module; the build
 * checks both (enforcer bannedDependencies, checkstyle import-control).
 */
package dev.shelter.scheduler;
