package io.jumpgate.config.azure;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code inventory.azure.nsgJit}: just-in-time grants requested with {@code --mode nsg} also open an inbound
 * allow rule on the target's network security groups ({@link NsgJustInTime}).
 *
 * @param gatewayId     names this gateway in the rules it creates; gateways sharing NSGs need distinct ids
 * @param sweepInterval how often expired rules are looked for and removed
 */
public record NsgJitSettings(String gatewayId, Duration sweepInterval) {
    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,39}");

    public NsgJitSettings {
        if (gatewayId == null || !GATEWAY_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("gatewayId must be 1-40 of letters, digits, _ . - starting with a letter or digit"
                    + " (found '" + gatewayId + "')");
        }
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        if (sweepInterval.isNegative() || sweepInterval.isZero()) throw new IllegalArgumentException("sweepInterval must be positive");
    }
}
