package io.jumpgate.config.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.models.ExpandTypeForListVMs;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.NetworkInterfaceReference;
import com.azure.resourcemanager.compute.models.NetworkProfile;
import com.azure.resourcemanager.compute.models.OSProfile;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.resources.fluentcore.arm.ResourceId;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.target.Inventory;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Targets are the instances of Azure VM Scale Sets (and optionally standalone VMs), read from Azure Resource
 * Manager with the gateway's identity, on an interval and on demand. One refresh costs, per scale set, one
 * scale-set GET, one instance list with {@code $expand=instanceView} (power state without a call per instance)
 * and one list of the scale set's NICs (private addresses), plus their pages.
 *
 * <p>A target is named after the instance ({@code web_3}); its computer name ({@code web000003}) is an alias.
 * Tags are the scale set's tags overlaid by the instance's, plus {@code azure:zone}, {@code azure:resourceGroup}
 * and {@code azure:scaleSet}. A failed refresh keeps the last good snapshot, marked stale.
 */
public final class AzureVmssInventory implements Inventory {
    private static final Logger log = LoggerFactory.getLogger(AzureVmssInventory.class);
    public static final String TAG_ZONE = "azure:zone";
    public static final String TAG_RESOURCE_GROUP = "azure:resourceGroup";
    public static final String TAG_SCALE_SET = "azure:scaleSet";

    private final AzureClients azure;
    private final AzureSettings settings;
    private final AuditSink audit;
    private final Clock clock;
    private final boolean allowLoopbackTargets;
    private final AtomicReference<State> state;
    /** Guarded by {@link #schedulerLock}, not by this object's monitor: stopping must not wait for a refresh under way. */
    private ScheduledExecutorService scheduler;
    private final Object schedulerLock = new Object();

    /**
     * A snapshot and, for NSG just-in-time rules, each target's primary NIC id (by lower-case name); and the configured
     * scale sets Resource Manager does not have (404: deleted, or a wrong name), which contribute no targets.
     */
    private record State(InventorySnapshot snapshot, Map<String, String> nicIds, List<String> missing) {}

    /**
     * @param allowLoopbackTargets accept 127.0.0.x instance addresses (tests, demos); from {@code limits}
     */
    public AzureVmssInventory(AzureClients azure, AzureSettings settings, AuditSink audit, Clock clock,
                              boolean allowLoopbackTargets) {
        this.azure = Objects.requireNonNull(azure, "azure");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allowLoopbackTargets = allowLoopbackTargets;
        this.state = new AtomicReference<>(new State(
                new InventorySnapshot(List.of(), Instant.EPOCH, "not refreshed yet"), Map.of(), List.of()));
    }

    /** Refreshes in the background now and then every {@code refreshInterval}; idempotent. */
    public void start() {
        synchronized (schedulerLock) {
            if (scheduler != null) return;
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jumpgate-inventory-azure");
                t.setDaemon(true);
                return t;
            });
            long every = settings.refreshInterval().toMillis();
            scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, every, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public InventorySnapshot snapshot() {
        return state.get().snapshot();
    }

    /** The primary network interface resource id of a target, as last seen (for NSG just-in-time rules). */
    public Optional<String> networkInterfaceId(String targetName) {
        return Optional.ofNullable(state.get().nicIds().get(targetName.toLowerCase(Locale.ROOT)));
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.error("Azure inventory refresh crashed", e);
        }
    }

    /** Reads Resource Manager now. On failure the previous targets stay, marked stale, and the error is audited. */
    @Override
    public synchronized InventorySnapshot refresh() {
        State before = state.get();
        State after;
        try {
            after = fetch();
        } catch (RuntimeException e) {
            String error = AzureErrors.describe(e, "it needs Reader on the scale sets' resource groups");
            InventorySnapshot last = before.snapshot();
            boolean tooOld = !last.fetchedAt().equals(Instant.EPOCH)
                    && Duration.between(last.fetchedAt(), clock.instant()).compareTo(settings.maxStaleness()) > 0;
            boolean wasTooOld = last.isStale() && last.lastError().endsWith(TOO_OLD);
            if (tooOld) {
                // Kept for longer than maxStaleness, an address may have gone to another machine (scale-in, then
                // someone else's VM): the targets stay listed, so a user is told why, but with an unknown state,
                // which is refused, until Resource Manager can be read again.
                error = error + TOO_OLD;
                last = new InventorySnapshot(last.targets().stream().map(AzureVmssInventory::unknownState).toList(),
                        last.fetchedAt(), error);
            }
            State stale = new State(last.stale(error), before.nicIds(), before.missing());
            state.set(stale);
            if (tooOld && !wasTooOld) {
                log.error("Azure inventory not refreshed since {} (inventory.azure.maxStaleness {}): its {} targets are refused"
                        + " until Resource Manager can be read: {}", last.fetchedAt(), settings.maxStaleness(),
                        last.targets().size(), error);
                audit.emit(AuditEvent.builder(AuditType.INVENTORY_STALE, clock.instant())
                        .outcome(Outcome.FAILURE, "max_staleness")
                        .field("source", "azure").field("error", error)
                        .field("targets", last.targets().size())
                        .field("fetchedAt", last.fetchedAt().toString())
                        .field("maxStaleness", settings.maxStaleness().toString()).build());
                return stale.snapshot();
            }
            if (!error.equals(before.snapshot().lastError()) && !tooOld) {
                log.warn("Azure inventory refresh failed, keeping {} targets from {}: {}",
                        before.snapshot().targets().size(), before.snapshot().fetchedAt(), error);
                log.debug("Azure inventory refresh failure", e);
                audit.emit(AuditEvent.builder(AuditType.INVENTORY_STALE, clock.instant())
                        .outcome(Outcome.FAILURE, AzureErrors.status(e) > 0 ? "http_" + AzureErrors.status(e) : "error")
                        .field("source", "azure").field("error", error)
                        .field("targets", before.snapshot().targets().size())
                        .field("fetchedAt", before.snapshot().fetchedAt().toString()).build());
            }
            return stale.snapshot();
        }
        state.set(after);
        List<Target> old = before.snapshot().targets();
        List<Target> now = after.snapshot().targets();
        boolean missingChanged = !after.missing().equals(before.missing());
        if (missingChanged && !after.missing().isEmpty()) {
            log.warn("Azure inventory: scale sets not found (deleted, or a wrong name), no targets from them: {}", after.missing());
        }
        if (!old.equals(now) || before.snapshot().isStale() || missingChanged) {
            Set<String> oldNames = names(old), newNames = names(now);
            int added = (int) newNames.stream().filter(n -> !oldNames.contains(n)).count();
            int removed = (int) oldNames.stream().filter(n -> !newNames.contains(n)).count();
            int running = (int) now.stream().filter(t -> t.state().reachable()).count();
            log.info("Azure inventory: {} targets ({} running), +{} -{}", now.size(), running, added, removed);
            audit.emit(AuditEvent.builder(AuditType.INVENTORY_REFRESHED, clock.instant()).outcome(Outcome.INFO, "ok")
                    .field("source", "azure").field("targets", now.size()).field("running", running)
                    .field("added", added).field("removed", removed)
                    .field("changed", (int) now.stream().filter(t -> !old.contains(t)).count() - added)
                    .field("recovered", before.snapshot().isStale() && !before.snapshot().fetchedAt().equals(Instant.EPOCH))
                    .field("missing", after.missing())
                    .build());
        }
        return after.snapshot();
    }

    /** Appended to the error of a snapshot kept longer than {@code maxStaleness}. */
    static final String TOO_OLD = "; kept longer than inventory.azure.maxStaleness, so its targets are refused";

    private static Target unknownState(Target t) {
        return new Target(t.name(), t.aliases(), t.address(), t.tags(), t.instanceId(), PowerState.UNKNOWN, t.source());
    }

    private static Set<String> names(List<Target> ts) {
        Set<String> s = new HashSet<>();
        ts.forEach(t -> s.add(t.name().toLowerCase(Locale.ROOT)));
        return s;
    }

    // ---- reading Resource Manager

    /** One discovered machine before names are checked for collisions. */
    private record Found(Target target, String nicId) {}

    private State fetch() {
        var compute = azure.compute().serviceClient();
        var network = azure.network().serviceClient();
        Map<AzureSettings.ScaleSetRef, Map<String, String>> sets = new LinkedHashMap<>();
        // A configured scale set that Resource Manager does not have (deleted, or its resource group) contributes no
        // targets and the others go on: keeping the whole last snapshot would freeze every other set's changes for as
        // long as it stays configured. Any other error keeps the last snapshot (throttling, outages, permissions).
        List<String> missing = new ArrayList<>();
        for (AzureSettings.ScaleSetRef r : settings.scaleSets()) {
            try {
                VirtualMachineScaleSetInner v = compute.getVirtualMachineScaleSets().getByResourceGroup(r.resourceGroup(), r.name());
                sets.put(r, tagsOf(v.tags()));
            } catch (RuntimeException e) {
                if (AzureErrors.status(e) != 404) throw e;
                missing.add(r.resourceGroup() + "/" + r.name());
            }
        }
        if (!settings.tagSelector().isEmpty()) {
            for (VirtualMachineScaleSetInner v : compute.getVirtualMachineScaleSets().list()) {
                if (matches(v.tags(), settings.tagSelector())) {
                    ResourceId id = ResourceId.fromString(v.id());
                    sets.putIfAbsent(new AzureSettings.ScaleSetRef(id.resourceGroupName(), id.name()), tagsOf(v.tags()));
                }
            }
        }
        List<Found> found = new ArrayList<>();
        for (var e : sets.entrySet()) {
            String rg = e.getKey().resourceGroup(), vmss = e.getKey().name();
            List<Found> ofSet = new ArrayList<>();
            try {
                Map<String, NetworkInterfaceInner> nics = byId(network.getNetworkInterfaces()
                        .listVirtualMachineScaleSetNetworkInterfaces(rg, vmss));
                for (VirtualMachineScaleSetVMInner vm : compute.getVirtualMachineScaleSetVMs()
                        .list(rg, vmss, null, null, "instanceView", Context.NONE)) {
                    Map<String, String> tags = new LinkedHashMap<>(e.getValue());
                    tags.putAll(tagsOf(vm.tags()));
                    tags.put(TAG_SCALE_SET, vmss);
                    ofSet.add(machine(vm.name(), vm.instanceId(), vm.osProfile(), vm.networkProfile(),
                            vm.instanceView() == null ? null : vm.instanceView().statuses(), vm.zones(), tags, rg,
                            "azure:" + rg + "/" + vmss, nics));
                }
            } catch (RuntimeException x) {
                if (AzureErrors.status(x) != 404 || !settings.scaleSets().contains(e.getKey())) throw x;
                missing.add(rg + "/" + vmss); // deleted while this refresh read it
                continue;
            }
            found.addAll(ofSet);
        }
        if (settings.includeVms()) {
            Set<String> groups = new LinkedHashSet<>();
            sets.keySet().forEach(r -> groups.add(r.resourceGroup()));
            for (String rg : groups) {
                Map<String, NetworkInterfaceInner> nics = byId(network.getNetworkInterfaces().listByResourceGroup(rg));
                for (VirtualMachineInner vm : compute.getVirtualMachines()
                        .listByResourceGroup(rg, null, ExpandTypeForListVMs.INSTANCE_VIEW, Context.NONE)) {
                    if (!settings.tagSelector().isEmpty() && !matches(vm.tags(), settings.tagSelector())) continue;
                    found.add(machine(vm.name(), vm.name(), vm.osProfile(), vm.networkProfile(),
                            vm.instanceView() == null ? null : vm.instanceView().statuses(), vm.zones(),
                            new LinkedHashMap<>(tagsOf(vm.tags())), rg, "azure:" + rg + "/" + vm.name(), nics));
                }
            }
        }
        return publish(found, missing);
    }

    private Found machine(String name, String instanceId, OSProfile os, NetworkProfile net, List<InstanceViewStatus> statuses,
                          List<String> zones, Map<String, String> tags, String rg, String source,
                          Map<String, NetworkInterfaceInner> nics) {
        List<String> aliases = new ArrayList<>();
        if (os != null && os.computerName() != null && !os.computerName().equalsIgnoreCase(name)) {
            aliases.add(os.computerName());
        }
        if (zones != null && !zones.isEmpty()) tags.put(TAG_ZONE, String.join(",", zones));
        tags.put(TAG_RESOURCE_GROUP, rg);
        String nicId = primaryNicId(net);
        NetworkInterfaceInner nic = nicId == null ? null : nics.get(nicId.toLowerCase(Locale.ROOT));
        InetAddress address = address(name, nic);
        try {
            return new Found(new Target(name, aliases, address, tags, instanceId, powerState(statuses), source), nicId);
        } catch (IllegalArgumentException e) {
            log.warn("Azure instance from {} skipped: {}", source, e.getMessage());
            return null;
        }
    }

    private InetAddress address(String name, NetworkInterfaceInner nic) {
        if (nic == null || nic.ipConfigurations() == null || nic.ipConfigurations().isEmpty()) return null;
        NetworkInterfaceIpConfigurationInner ip = nic.ipConfigurations().stream()
                .filter(c -> Boolean.TRUE.equals(c.primary())).findFirst().orElse(nic.ipConfigurations().get(0));
        if (ip.privateIpAddress() == null) return null;
        Optional<InetAddress> a = IpLiterals.parse(ip.privateIpAddress());
        if (a.isEmpty()) {
            log.warn("Azure instance {}: private address '{}' is not an IP literal; treated as none", name, ip.privateIpAddress());
            return null;
        }
        String problem = ConfigLoader.targetAddressProblem(a.get(), allowLoopbackTargets);
        if (problem != null) {
            log.warn("Azure instance {}: {}; treated as no address", name, problem);
            return null;
        }
        return a.get();
    }

    private static String primaryNicId(NetworkProfile net) {
        if (net == null || net.networkInterfaces() == null || net.networkInterfaces().isEmpty()) return null;
        List<NetworkInterfaceReference> refs = net.networkInterfaces();
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.primary())).findFirst().orElse(refs.get(0)).id();
    }

    static PowerState powerState(List<InstanceViewStatus> statuses) {
        if (statuses == null) return PowerState.UNKNOWN;
        for (InstanceViewStatus s : statuses) {
            String c = s.code() == null ? "" : s.code().toLowerCase(Locale.ROOT);
            if (!c.startsWith("powerstate/")) continue;
            return switch (c.substring("powerstate/".length())) {
                case "running" -> PowerState.RUNNING;
                case "starting" -> PowerState.STARTING;
                case "stopping", "deallocating" -> PowerState.STOPPING;
                case "stopped" -> PowerState.STOPPED;
                case "deallocated" -> PowerState.DEALLOCATED;
                default -> PowerState.UNKNOWN;
            };
        }
        return PowerState.UNKNOWN;
    }

    /**
     * Drops duplicate names and aliases so a name always means one machine: names are claimed first (first wins, in
     * snapshot order), then aliases, so one machine's computer name can never hide or take over another's name.
     */
    private State publish(List<Found> found, List<String> missing) {
        List<Found> ordered = new ArrayList<>(found);
        ordered.removeIf(Objects::isNull);
        ordered.sort((a, b) -> (a.target().source() + "/" + a.target().name()).compareTo(b.target().source() + "/" + b.target().name()));
        Set<String> taken = new HashSet<>();
        List<Found> named = new ArrayList<>();
        for (Found f : ordered) {
            if (taken.add(f.target().name().toLowerCase(Locale.ROOT))) named.add(f);
            else log.warn("Azure inventory: duplicate target name {} from {} ignored", f.target().name(), f.target().source());
        }
        List<Target> targets = new ArrayList<>();
        Map<String, String> nicIds = new HashMap<>();
        for (Found f : named) {
            Target t = f.target();
            List<String> aliases = new ArrayList<>();
            for (String a : t.aliases()) {
                if (taken.add(a.toLowerCase(Locale.ROOT))) aliases.add(a);
                else log.warn("Azure inventory: alias {} of {} is already taken; dropped", a, t.name());
            }
            targets.add(new Target(t.name(), aliases, t.address(), t.tags(), t.instanceId(), t.state(), t.source()));
            if (f.nicId() != null) nicIds.put(t.name().toLowerCase(Locale.ROOT), f.nicId());
        }
        return new State(InventorySnapshot.of(targets, clock.instant()), Map.copyOf(nicIds), List.copyOf(missing));
    }

    private static Map<String, NetworkInterfaceInner> byId(Iterable<NetworkInterfaceInner> nics) {
        Map<String, NetworkInterfaceInner> m = new HashMap<>();
        for (NetworkInterfaceInner n : nics) {
            if (n.id() != null) m.put(n.id().toLowerCase(Locale.ROOT), n);
        }
        return m;
    }

    /** Azure's tags of a resource, without any {@code azure:*} names: those are set by the gateway alone. */
    private static Map<String, String> tagsOf(Map<String, String> tags) {
        if (tags == null) return Map.of();
        Map<String, String> own = new LinkedHashMap<>(tags);
        own.keySet().removeIf(k -> k.regionMatches(true, 0, "azure:", 0, 6));
        return own;
    }

    /** Tag names are case-insensitive in Azure; values are compared exactly. */
    static boolean matches(Map<String, String> tags, Map<String, String> selector) {
        if (tags == null) return selector.isEmpty();
        for (var want : selector.entrySet()) {
            boolean hit = tags.entrySet().stream()
                    .anyMatch(t -> t.getKey().equalsIgnoreCase(want.getKey()) && want.getValue().equals(t.getValue()));
            if (!hit) return false;
        }
        return true;
    }

    @Override
    public void close() {
        synchronized (schedulerLock) {
            if (scheduler != null) {
                scheduler.shutdownNow(); // interrupts a refresh under way (a Retry-After wait); does not wait for it
                scheduler = null;
            }
        }
    }
}
