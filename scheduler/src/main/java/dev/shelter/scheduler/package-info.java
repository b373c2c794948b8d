/**
 * Cron schedules of backups, retention sweeps and drills. The service implements
 * {@link dev.shelter.scheduler.ScheduledWork} (what a fire does) and {@link dev.shelter.scheduler.FireLedger}
 * (exactly once per fire time across replicas); {@code scheduler.quartz} fires them with Quartz.
 * This module depends on no other Shelter module; the build checks it (enforcer bannedDependencies,
 * checkstyle import-control).
 */
package dev.shelter.scheduler;
