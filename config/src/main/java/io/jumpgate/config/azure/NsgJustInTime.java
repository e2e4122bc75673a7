package io.jumpgate.config.azure;

import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import com.azure.resourcemanager.resources.fluentcore.arm.ResourceId;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just-in-time network access on Azure network security groups: for a grant, an inbound allow rule for the
 * requester's address and the target port is added to the target's NSGs (the NIC's and the subnet's, since
 * traffic must pass both), with a priority that wins over the Deny rules covering that port; it is deleted
 * at expiry, which restores the NSG as it was (no other rule is ever changed).
 *
 * <p>Rules are named {@code jumpgate-jit-<grant id>} and their description carries a marker
 * ({@code jumpgate-jit gw=<gateway id> exp=<epoch seconds> grant=<id> user=<name>}), so a restarted gateway finds
 * its own rules ({@link #cleanupOwnRules()}) and never touches a rule it did not create. Only the security
 * rule sub-resource is written (PUT/DELETE of one rule), never the whole NSG, so concurrent edits by others
 * are not overwritten.
 */
public final class NsgJustInTime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NsgJustInTime.class);
    public static final String RULE_PREFIX = "jumpgate-jit-";
    private static final Pattern GRANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,59}");
    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,39}");
    private static final Pattern MARKER = Pattern.compile("^jumpgate-jit gw=(\\S+) exp=(\\d+) grant=(\\S+)(?: user=(\\S*))?$");
    private static final Set<String> ANY_SOURCE = Set.of("*", "any", "internet", "0.0.0.0/0", "::/0");
    private static final int MIN_PRIORITY = 100, MAX_PRIORITY = 4096, ATTEMPTS = 3;

    private final AzureClients azure;
    private final String gatewayId;
    private final AuditSink audit;
    private final Clock clock;
    private final Map<String, Opened> open = new ConcurrentHashMap<>();
    /** Rules of ended grants whose removal failed: retried by every sweep until they are gone. */
    private final Map<String, Opened> closing = new ConcurrentHashMap<>();
    /**
     * Grants closed (revoked or ended), with their expiry: a close can run before the open it was meant for (the grant
     * was revoked while its request was still opening the rule), and that open is then refused. An entry goes once the
     * grant's expiry has passed, when open() refuses the grant anyway.
     */
    private final Map<String, Instant> closed = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    /** What to open: for whom, on which NIC or NSG, from where, to which port, until when. */
    public record Request(String grantId, String user, String targetName, String resourceId, String sourceCidr,
                          String destinationAddress, int port, Instant expiresAt) {
        public Request {
            if (grantId == null || !GRANT_ID.matcher(grantId).matches()) {
                throw new IllegalArgumentException("grant id must be 1-60 of letters, digits, _ . - (found '" + grantId + "')");
            }
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(resourceId, "resourceId");
            Cidr c = Cidr.parse(sourceCidr);
            if (c.prefix() == 0) throw new IllegalArgumentException("source " + sourceCidr + " is everyone; a JIT rule names one requester");
            sourceCidr = c.toString();
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    /** One rule this gateway created. */
    public record RuleRef(String nsgId, String ruleName, int priority) {}

    /** The rules opened for one grant. */
    public record Opened(String grantId, String user, List<RuleRef> rules, Instant expiresAt) {
        public Opened {
            rules = List.copyOf(rules);
        }
    }

    /** The NSG change was refused; {@code code} is the audit code, the message names the rule or NSG. */
    public static final class RefusedException extends RuntimeException {
        private final String code;

        RefusedException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * @param gatewayId names this gateway in rule descriptions (letters, digits, _ . -; at most 40); a gateway only
     *                  removes rules carrying its own id, so give each gateway sharing NSGs a distinct one
     */
    public NsgJustInTime(AzureClients azure, String gatewayId, AuditSink audit, Clock clock) {
        this.azure = Objects.requireNonNull(azure, "azure");
        if (gatewayId == null || !GATEWAY_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("gateway id must be 1-40 of letters, digits, _ . - (found '" + gatewayId + "')");
        }
        this.gatewayId = gatewayId;
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * In the background: first {@link #cleanupOwnRules} (rules left by an earlier run; retried each round until it
     * succeeds), and {@link #sweepExpired} every {@code every}. Failures are logged and retried on the next round.
     *
     * @param grantEnded whether a grant has ended (revoked, expired, unknown), asked of rules found at start; it may
     *                   throw while the answer is unavailable (then the cleanup is retried)
     */
    public synchronized void start(Duration every, Predicate<String> grantEnded) {
        if (sweeper != null) return;
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jumpgate-nsg-jit");
            t.setDaemon(true);
            return t;
        });
        boolean[] cleaned = {false};
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                if (!cleaned[0]) {
                    cleanupOwnRules(grantEnded);
                    cleaned[0] = true;
                }
            } catch (RuntimeException e) {
                log.warn("NSG just-in-time cleanup of earlier rules failed (retried): {}",
                        AzureErrors.describe(e, "it needs Reader on the NSGs"));
            }
            try {
                sweepExpired(clock.instant());
            } catch (RuntimeException e) {
                log.warn("NSG just-in-time sweep failed: {}", AzureErrors.describe(e, "it needs Reader on the NSGs"));
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the background sweep; open rules stay and are found again by the next start. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = sweeper;
            sweeper = null;
        }
        if (s != null) s.shutdownNow();
    }

    public static String ruleName(String grantId) {
        return RULE_PREFIX + grantId;
    }

    /** Grants with rules open now (as this process knows them). */
    public Map<String, Opened> opened() {
        return Map.copyOf(open);
    }

    /**
     * Opens the rules for a grant on every NSG guarding {@code resourceId} (a NIC: its own NSG and its subnet's;
     * or an NSG id). All or nothing: when one NSG refuses, rules already added for this grant are removed.
     *
     * @throws RefusedException when an NSG already has a general allow rule for the port (named in the message),
     *                          has no free priority above its Deny rules, no NSG guards the NIC, or the grant was
     *                          closed already ({@code grant_ended})
     */
    public synchronized Opened open(Request r) {
        if (!r.expiresAt().isAfter(clock.instant())) {
            throw refuse(r, null, "already_expired", "grant " + r.grantId() + " expired at " + r.expiresAt());
        }
        if (closed.containsKey(r.grantId())) {
            throw refuse(r, null, "grant_ended", "grant " + r.grantId() + " ended before its rule was opened");
        }
        List<String> nsgIds;
        try {
            nsgIds = guardingNsgs(r.resourceId());
        } catch (RuntimeException e) {
            throw refuse(r, null, "lookup_failed", "cannot read the network of " + r.resourceId() + ": "
                    + AzureErrors.describe(e, "it needs Reader on the NIC, subnet and NSG"));
        }
        if (nsgIds.isEmpty()) {
            throw refuse(r, null, "no_nsg", "no network security group guards " + r.resourceId());
        }
        List<RuleRef> made = new ArrayList<>();
        try {
            for (String nsgId : nsgIds) made.add(openOn(nsgId, r));
        } catch (RuntimeException e) {
            for (RuleRef m : made) delete(m, r.grantId(), r.user(), "rolled_back");
            throw e;
        }
        Opened o = new Opened(r.grantId(), r.user(), made, r.expiresAt());
        open.put(r.grantId(), o);
        return o;
    }

    private RuleRef openOn(String nsgId, Request r) {
        ResourceId id = ResourceId.fromString(nsgId);
        String name = ruleName(r.grantId());
        for (int attempt = 1; ; attempt++) {
            NetworkSecurityGroupInner nsg = network().getNetworkSecurityGroups().getByResourceGroup(id.resourceGroupName(), id.name());
            List<SecurityRuleInner> rules = nsg.securityRules() == null ? List.of() : nsg.securityRules();
            Cidr source = Cidr.parse(r.sourceCidr());
            int lowestDeny = MAX_PRIORITY + 1;
            Set<Integer> used = new LinkedHashSet<>();
            for (SecurityRuleInner rule : rules) {
                if (rule.direction() != SecurityRuleDirection.INBOUND || rule.priority() == null) continue;
                if (name.equalsIgnoreCase(rule.name())) continue;
                used.add(rule.priority());
                if (!tcp(rule) || !coversPort(rule, r.port())) continue;
                if (rule.access() == SecurityRuleAccess.ALLOW && anySource(rule)) {
                    throw refuse(r, nsgId, "general_allow_exists", "NSG " + id.name() + " already allows port " + r.port()
                            + " from anywhere by rule '" + rule.name() + "' (priority " + rule.priority()
                            + "); just-in-time access would add nothing");
                }
                if (rule.access() == SecurityRuleAccess.DENY && coversSource(rule, source)) {
                    lowestDeny = Math.min(lowestDeny, rule.priority());
                }
            }
            int priority = -1;
            for (int p = MIN_PRIORITY; p < lowestDeny; p++) {
                if (!used.contains(p)) {
                    priority = p;
                    break;
                }
            }
            if (priority < 0) {
                throw refuse(r, nsgId, "no_free_priority", "NSG " + id.name() + " has no free priority below its Deny rule at "
                        + lowestDeny + " for port " + r.port());
            }
            SecurityRuleInner rule = new SecurityRuleInner()
                    .withDescription(marker(r))
                    .withDirection(SecurityRuleDirection.INBOUND).withAccess(SecurityRuleAccess.ALLOW)
                    .withProtocol(SecurityRuleProtocol.TCP)
                    .withSourceAddressPrefix(r.sourceCidr()).withSourcePortRange("*")
                    .withDestinationAddressPrefix(r.destinationAddress() == null ? "*" : r.destinationAddress())
                    .withDestinationPortRange(String.valueOf(r.port()))
                    .withPriority(priority);
            try {
                network().getSecurityRules().createOrUpdate(id.resourceGroupName(), id.name(), name, rule);
            } catch (RuntimeException e) {
                if (AzureErrors.status(e) == 400 && String.valueOf(e.getMessage()).contains("SamePriority") && attempt < ATTEMPTS) {
                    log.info("NSG {}: priority {} was taken meanwhile; retrying", id.name(), priority);
                    continue;
                }
                throw refuse(r, nsgId, "azure_error", "cannot add rule " + name + " to NSG " + id.name() + ": "
                        + AzureErrors.describe(e, "it needs Network Contributor on the NSG"));
            }
            RuleRef ref = new RuleRef(nsgId, name, priority);
            audit.emit(event(AuditType.NSG_RULE_CREATED, Outcome.SUCCESS, "ok", r.grantId(), r.user(), ref)
                    .target(r.targetName(), r.destinationAddress(), r.port())
                    .field("source", r.sourceCidr()).field("expiresAt", r.expiresAt().toString()).build());
            log.info("NSG {}: opened {} for {} from {} to port {} until {} (priority {})", id.name(), name, r.user(),
                    r.sourceCidr(), r.port(), r.expiresAt(), priority);
            return ref;
        }
    }

    private String marker(Request r) {
        String m = "jumpgate-jit gw=" + gatewayId + " exp=" + r.expiresAt().getEpochSecond() + " grant=" + r.grantId();
        String user = r.user().replaceAll("[^A-Za-z0-9_.@\\-]", "_");
        String withUser = m + " user=" + user;
        return withUser.length() <= 140 ? withUser : m;
    }

    /**
     * Removes the rules of a grant (revoked or ended) and refuses any later {@link #open} for it until
     * {@code expiresAt}. Returns how many rules were removed; those that could not be are retried by every
     * {@link #sweepExpired} until they are gone.
     */
    public synchronized int close(String grantId, Instant expiresAt) {
        Instant now = clock.instant();
        closed.values().removeIf(until -> !until.isAfter(now));
        if (expiresAt.isAfter(now)) closed.put(grantId, expiresAt);
        Opened o = open.remove(grantId);
        if (o == null) {
            o = findOwn(grantId).orElse(null);
            if (o == null) return 0;
        }
        return removeOrKeepClosing(o, "closed");
    }

    /** Deletes the rules of {@code o}; those that fail are (re)queued in {@link #closing}. */
    private int removeOrKeepClosing(Opened o, String why) {
        int n = 0;
        List<RuleRef> failed = new ArrayList<>();
        for (RuleRef ref : o.rules()) {
            if (delete(ref, o.grantId(), o.user(), why)) n++;
            else failed.add(ref);
        }
        if (failed.isEmpty()) closing.remove(o.grantId());
        else closing.put(o.grantId(), new Opened(o.grantId(), o.user(), failed, o.expiresAt()));
        return n;
    }

    /** Grants closed whose expiry has not passed (their ids): an open for one of them is refused. */
    Set<String> closedGrants() {
        return Set.copyOf(closed.keySet());
    }

    /** Grants whose rules are still being removed after a failed attempt (their ids). */
    public Set<String> stillClosing() {
        return Set.copyOf(closing.keySet());
    }

    /**
     * Removes the rules of grants that expired by {@code now}, and retries removing those of ended grants whose
     * removal failed before. Returns how many rules were removed.
     */
    public synchronized int sweepExpired(Instant now) {
        closed.values().removeIf(until -> !until.isAfter(now));
        int n = 0;
        for (Opened o : List.copyOf(closing.values())) {
            n += removeOrKeepClosing(o, "closed");
        }
        for (Opened o : List.copyOf(open.values())) {
            if (!o.expiresAt().isAfter(now)) {
                open.remove(o.grantId());
                for (RuleRef ref : o.rules()) {
                    if (delete(ref, o.grantId(), o.user(), "expired")) n++;
                    else addRule(open, o.grantId(), o.user(), ref, o.expiresAt());
                }
            }
        }
        return n;
    }

    /**
     * After a restart: reads every NSG the identity can see, removes this gateway's rules of grants that expired or
     * ended meanwhile ({@code grantEnded}: revoked by an operator or another gateway while this one was down) and
     * adopts the others (so {@link #sweepExpired} removes them at expiry). Rules of others are left alone.
     * Returns how many rules were removed.
     */
    public synchronized int cleanupOwnRules(Predicate<String> grantEnded) {
        Instant now = clock.instant();
        int removed = 0;
        for (NetworkSecurityGroupInner nsg : network().getNetworkSecurityGroups().list()) {
            if (nsg.securityRules() == null) continue;
            for (SecurityRuleInner rule : nsg.securityRules()) {
                Optional<Marker> m = own(rule);
                if (m.isEmpty()) continue;
                RuleRef ref = new RuleRef(nsg.id(), rule.name(), rule.priority());
                if (!m.get().expiresAt().isAfter(now)) {
                    if (delete(ref, m.get().grantId(), m.get().user(), "expired_before_restart")) removed++;
                } else if (grantEnded.test(m.get().grantId())) {
                    if (delete(ref, m.get().grantId(), m.get().user(), "ended_before_restart")) removed++;
                    else addRule(closing, m.get().grantId(), m.get().user(), ref, m.get().expiresAt());
                } else {
                    addRule(open, m.get().grantId(), m.get().user(), ref, m.get().expiresAt());
                }
            }
        }
        return removed;
    }

    private Optional<Opened> findOwn(String grantId) {
        List<RuleRef> refs = new ArrayList<>();
        Marker found = null;
        for (NetworkSecurityGroupInner nsg : network().getNetworkSecurityGroups().list()) {
            if (nsg.securityRules() == null) continue;
            for (SecurityRuleInner rule : nsg.securityRules()) {
                Optional<Marker> m = own(rule);
                if (m.isPresent() && m.get().grantId().equals(grantId)) {
                    refs.add(new RuleRef(nsg.id(), rule.name(), rule.priority()));
                    found = m.get();
                }
            }
        }
        return found == null ? Optional.empty() : Optional.of(new Opened(grantId, found.user(), refs, found.expiresAt()));
    }

    private record Marker(String grantId, String user, Instant expiresAt) {}

    /** This gateway's marker on a rule named by it; anything else is not ours. */
    private Optional<Marker> own(SecurityRuleInner rule) {
        if (rule.name() == null || !rule.name().startsWith(RULE_PREFIX) || rule.description() == null) return Optional.empty();
        Matcher m = MARKER.matcher(rule.description());
        if (!m.matches() || !m.group(1).equals(gatewayId) || !rule.name().equals(ruleName(m.group(3)))) return Optional.empty();
        return Optional.of(new Marker(m.group(3), m.group(4), Instant.ofEpochSecond(Long.parseLong(m.group(2)))));
    }

    private boolean delete(RuleRef ref, String grantId, String user, String why) {
        ResourceId id = ResourceId.fromString(ref.nsgId());
        try {
            network().getSecurityRules().delete(id.resourceGroupName(), id.name(), ref.ruleName());
        } catch (RuntimeException e) {
            String error = AzureErrors.describe(e, "it needs Network Contributor on the NSG");
            log.warn("NSG {}: cannot remove {} ({}): {}; will retry", id.name(), ref.ruleName(), why, error);
            audit.emit(event(AuditType.NSG_RULE_REMOVED, Outcome.FAILURE, "remove_failed", grantId, user, ref)
                    .field("reason", why).field("error", error).build());
            return false;
        }
        audit.emit(event(AuditType.NSG_RULE_REMOVED, Outcome.SUCCESS, why, grantId, user, ref).build());
        log.info("NSG {}: removed {} ({})", id.name(), ref.ruleName(), why);
        return true;
    }

    private RefusedException refuse(Request r, String nsgId, String code, String message) {
        audit.emit(AuditEvent.builder(AuditType.NSG_RULE_REFUSED, clock.instant()).outcome(Outcome.DENIED, code)
                .user(r.user()).target(r.targetName(), r.destinationAddress(), r.port()).field("grant", r.grantId())
                .field("nsg", nsgId).field("resource", r.resourceId()).field("source", r.sourceCidr())
                .field("detail", message).build());
        log.warn("NSG just-in-time refused for grant {}: {}", r.grantId(), message);
        return new RefusedException(code, message);
    }

    private AuditEvent.Builder event(AuditType type, Outcome outcome, String code, String grantId, String user, RuleRef ref) {
        return AuditEvent.builder(type, clock.instant()).outcome(outcome, code).user(user).field("grant", grantId)
                .field("nsg", ref.nsgId()).field("rule", ref.ruleName()).field("priority", ref.priority());
    }

    // ---- which NSGs guard a NIC

    private List<String> guardingNsgs(String resourceId) {
        ResourceId id = ResourceId.fromString(resourceId);
        if ("networkSecurityGroups".equalsIgnoreCase(id.resourceType())) return List.of(resourceId);
        if (!"networkInterfaces".equalsIgnoreCase(id.resourceType())) {
            throw new IllegalArgumentException("expected a NIC or NSG id, found " + resourceId);
        }
        NetworkInterfaceInner nic;
        ResourceId vm = id.parent();
        if (vm != null && "virtualMachines".equalsIgnoreCase(vm.resourceType()) && vm.parent() != null) {
            nic = network().getNetworkInterfaces().getVirtualMachineScaleSetNetworkInterface(
                    id.resourceGroupName(), vm.parent().name(), vm.name(), id.name());
        } else {
            nic = network().getNetworkInterfaces().getByResourceGroup(id.resourceGroupName(), id.name());
        }
        Set<String> out = new LinkedHashSet<>();
        if (nic.networkSecurityGroup() != null && nic.networkSecurityGroup().id() != null) {
            out.add(nic.networkSecurityGroup().id());
        }
        for (NetworkInterfaceIpConfigurationInner ip : nic.ipConfigurations() == null
                ? List.<NetworkInterfaceIpConfigurationInner>of() : nic.ipConfigurations()) {
            if (ip.subnet() == null || ip.subnet().id() == null) continue;
            ResourceId s = ResourceId.fromString(ip.subnet().id());
            SubnetInner subnet = network().getSubnets().get(s.resourceGroupName(), s.parent().name(), s.name());
            if (subnet.networkSecurityGroup() != null && subnet.networkSecurityGroup().id() != null) {
                out.add(subnet.networkSecurityGroup().id());
            }
        }
        return List.copyOf(out);
    }

    // ---- rule matching

    private static boolean tcp(SecurityRuleInner r) {
        return r.protocol() == null || r.protocol() == SecurityRuleProtocol.TCP || r.protocol() == SecurityRuleProtocol.ASTERISK;
    }

    static boolean coversPort(SecurityRuleInner r, int port) {
        List<String> ranges = new ArrayList<>();
        if (r.destinationPortRange() != null) ranges.add(r.destinationPortRange());
        if (r.destinationPortRanges() != null) ranges.addAll(r.destinationPortRanges());
        for (String range : ranges) {
            String s = range.trim();
            if (s.equals("*")) return true;
            int dash = s.indexOf('-');
            try {
                int lo = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
                int hi = dash < 0 ? lo : Integer.parseInt(s.substring(dash + 1).trim());
                if (port >= lo && port <= hi) return true;
            } catch (NumberFormatException e) {
                return true; // unknown syntax: assume it covers, which only makes us more careful
            }
        }
        return false;
    }

    private static List<String> sources(SecurityRuleInner r) {
        List<String> s = new ArrayList<>();
        if (r.sourceAddressPrefix() != null) s.add(r.sourceAddressPrefix());
        if (r.sourceAddressPrefixes() != null) s.addAll(r.sourceAddressPrefixes());
        return s;
    }

    private static boolean anySource(SecurityRuleInner r) {
        return sources(r).stream().anyMatch(s -> ANY_SOURCE.contains(s.trim().toLowerCase(Locale.ROOT)));
    }

    /** Deny rules with service tags or application security groups count as covering the requester. */
    private static boolean coversSource(SecurityRuleInner r, Cidr source) {
        if (r.sourceApplicationSecurityGroups() != null && !r.sourceApplicationSecurityGroups().isEmpty()) return true;
        for (String s : sources(r)) {
            try {
                if (Cidr.parse(s).covers(source)) return true;
            } catch (IllegalArgumentException tag) {
                return true;
            }
        }
        return anySource(r);
    }

    /** Adds one rule to the grant's entry in {@code rules}, creating the entry if needed. */
    private static void addRule(Map<String, Opened> rules, String grantId, String user, RuleRef ref, Instant expiresAt) {
        rules.merge(grantId, new Opened(grantId, user, List.of(ref), expiresAt), (a, b) -> {
            List<RuleRef> both = new ArrayList<>(a.rules());
            both.addAll(b.rules());
            return new Opened(a.grantId(), a.user(), both, a.expiresAt());
        });
    }

    private NetworkManagementClient network() {
        return azure.network().serviceClient();
    }
}
