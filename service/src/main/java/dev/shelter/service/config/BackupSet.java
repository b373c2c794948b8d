package dev.shelter.service.config;

import dev.shelter.runbooks.cluster.VolumeRole;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster's volumes form one backup set: exactly one pgdata, at most one pgwal, and tablespaces
 * each with a name of its own. The same rules as {@code ClusterSpec}, checked with the rest of the
 * configuration so that {@code check} refuses, naming the cluster's field, what the server would
 * otherwise refuse only at startup.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = BackupSet.Rules.class)
public @interface BackupSet {

    String message() default "must be one backup set";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks a list of volumes; the violation says which rule it breaks. */
    final class Rules implements ConstraintValidator<BackupSet, List<VolumeConfig>> {

        @Override
        public boolean isValid(List<VolumeConfig> volumes, ConstraintValidatorContext context) {
            Optional<String> broken = volumes == null ? Optional.empty() : brokenRule(volumes);
            broken.ifPresent(message -> {
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(message).addConstraintViolation();
            });
            return broken.isEmpty();
        }

        static Optional<String> brokenRule(List<VolumeConfig> volumes) {
            List<VolumeConfig> known = volumes.stream().filter(Objects::nonNull).filter(v -> v.role != null).toList();
            long pgdata = known.stream().filter(v -> v.role == VolumeRole.PGDATA).count();
            if (pgdata != 1) {
                return Optional.of("must hold exactly one pgdata volume, not " + pgdata);
            }
            if (known.stream().filter(v -> v.role == VolumeRole.PGWAL).count() > 1) {
                return Optional.of("must hold at most one pgwal volume");
            }
            Set<String> names = new HashSet<>(); // pgdata and pgwal volumes are named after their role
            known.stream().filter(v -> v.role != VolumeRole.TABLESPACE).forEach(v -> names.add(v.role.name().toLowerCase(Locale.ROOT)));
            for (VolumeConfig tablespace : known.stream().filter(v -> v.role == VolumeRole.TABLESPACE).toList()) {
                if (tablespace.name == null || tablespace.name.isBlank()) {
                    return Optional.of("must name each tablespace volume (name: the tablespace's name)");
                }
                if (!names.add(tablespace.name)) {
                    return Optional.of("must name each tablespace volume once, and neither pgdata nor pgwal: '"
                            + tablespace.name.replaceAll("[^-a-zA-Z0-9_. ]", "?") + "' is taken");
                }
            }
            return Optional.empty();
        }
    }
}
