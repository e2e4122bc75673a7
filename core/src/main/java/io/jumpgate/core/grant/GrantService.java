package io.jumpgate.core.grant;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.grant.GrantException.Kind;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static io.jumpgate.core.audit.AuditText.capped;

/**
 * Requests, decisions and expiry of just-in-time grants. Every change goes to the store, then to the in-memory
 * {@link GrantIndex} (the connection path's {@link io.jumpgate.core.access.GrantLookup}), then to audit.
 * Changes made by other gateways on the same store arrive through {@link #refresh}; {@link GrantMaintenance}
 * calls it and {@link #expireDue} periodically.
 */
public final class GrantService {
    private static final Logger log = LoggerFactory.getLogger(GrantService.class);
    /** {@code decidedBy} of grants ended by the clock. */
    public static final String EXPIRY = "system:expiry";
    /** Decided by: a request withdrawn because it could not be audited. */
    public static final String UNAUDITED = "system:audit-failed";
    /** A {@code --from} block may be no wider than this (IPv4) or {@link #WIDEST_V6} (IPv6). */
    public static final int WIDEST_V4 = 16;
    public static final int WIDEST_V6 = 48;
    private static final int HISTORY = 100;
    private static final char[] ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789".toCharArray();

    private final GrantStore store;
    private final Map<String, Role> roles;
    private final Supplier<InventorySnapshot> inventory;
    private final AuditSink audit;
    private final Clock clock;
    private final GrantIndex index;
    private final List<GrantListener> listeners = new CopyOnWriteArrayList<>();
    /**
     * Grants whose listeners have been told they ended, so that they are told once although {@link #tellExpired} runs
     * outside this object's monitor. The value says whether the grant was out of the index at the last sweep: an id
     * goes one sweep later, when no pass of {@link #tellExpired} can still hold the grant.
     */
    private final Map<String, Boolean> told = new ConcurrentHashMap<>();
    /**
     * Events of changes that stand (expiries, revocations, denials) whose audit write failed, oldest first: retried at
     * every maintenance round ({@link #writeQueuedAudit}) until written (guarded by itself).
     */
    private final Deque<AuditEvent> unwritten = new ArrayDeque<>();
    private final SecureRandom random = new SecureRandom();

    /**
     * @param roles     roles by name (their {@link JitPolicy} rules requests and approvals)
     * @param inventory the current targets (requests name one)
     */
    public GrantService(GrantStore store, Map<String, Role> roles, Supplier<InventorySnapshot> inventory,
                        AuditSink audit, Clock clock) {
        this.store = store;
        this.roles = Map.copyOf(roles);
        this.inventory = inventory;
        this.audit = audit;
        this.clock = clock;
        this.index = new GrantIndex(clock);
        store.open().forEach(index::put);
    }

    /** The in-memory lookup to hand to {@code AccessPolicy}. */
    public GrantIndex lookup() {
        return index;
    }

    public void addListener(GrantListener listener) {
        listeners.add(listener);
    }

    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- request

    public synchronized Grant request(GrantRequest r) {
        try {
            return doRequest(r);
        } catch (GrantException e) {
            audit(AuditEvent.builder(AuditType.GRANT_REFUSED, now()).outcome(Outcome.DENIED, e.kind().code())
                    .user(r.user().name()).source(r.connectionSource().getHostAddress())
                    .target(capped(r.target()), null, r.ports().size() == 1 ? r.ports().iterator().next() : null)
                    .field("action", "request").field("ports", r.ports()).field("duration", Durations.format(r.duration()))
                    .field("from", r.from() == null ? null : r.from().toString()).field("reason", r.reason())
                    .field("detail", e.getMessage()));
            throw e;
        }
    }

    private Grant doRequest(GrantRequest r) {
        if (r.ports().isEmpty()) throw new GrantException(Kind.NOT_ALLOWED, "name at least one port (--port ssh|rdp|N)");
        if (r.duration().isZero() || r.duration().isNegative()) {
            throw new GrantException(Kind.INVALID_DURATION, "the duration must be positive");
        }
        Target target = inventory.get().resolve(r.target())
                .orElseThrow(() -> new GrantException(Kind.UNKNOWN_TARGET, "no target named '" + capped(r.target()) + "'"));
        List<Role> covering = r.user().roles().stream().map(roles::get).filter(ro -> ro != null && ro.covers(target)).toList();
        if (covering.isEmpty()) {
            throw new GrantException(Kind.NOT_ALLOWED, "none of your roles covers " + target.name());
        }
        List<Role> candidates = covering.stream().filter(ro -> ro.ports().containsAll(r.ports())).toList();
        if (candidates.isEmpty()) {
            throw new GrantException(Kind.NOT_ALLOWED, "your roles allow ports " + portNames(covering.stream()
                    .flatMap(ro -> ro.ports().stream()).distinct().sorted().toList()) + " of " + target.name()
                    + ", not " + portNames(r.ports().stream().sorted().toList()));
        }
        List<Role> issuing = candidates.stream().filter(Role::issuesGrants).toList();
        if (issuing.isEmpty()) {
            throw new GrantException(Kind.NOT_ALLOWED, "none of your roles grants " + target.name() + " port "
                    + describePorts(r.ports()) + " on request (a role without jit: gives standing access only)");
        }
        Instant now = now();
        long open = store.open().stream().filter(g -> g.user().equals(r.user().name()) && g.stateAt(now).open()).count();
        // Prefer a role that needs no approval; among equals, the first the user holds.
        List<Role> ordered = new ArrayList<>(issuing);
        ordered.sort(Comparator.comparing(ro -> ro.jit().approval()));
        GrantException first = null;
        for (Role role : ordered) {
            try {
                Cidr source = check(role, r, open);
                return create(r, target, role, source, now);
            } catch (GrantException e) {
                if (first == null) first = e;
            }
        }
        throw first;
    }

    /** Checks the request against one role's rules; returns the source block the grant will carry. */
    private static Cidr check(Role role, GrantRequest r, long openGrants) {
        JitPolicy p = role.jit();
        Cidr source = Cidr.host(r.connectionSource());
        if (r.from() != null) {
            if (!p.allowFrom()) {
                throw new GrantException(Kind.FROM_NOT_ALLOWED, "role " + role.name()
                        + " does not allow --from: grants are bound to your connection's address " + source);
            }
            int widest = r.from().network() instanceof Inet4Address ? WIDEST_V4 : WIDEST_V6;
            if (r.from().prefix() < widest) {
                throw new GrantException(Kind.SOURCE_TOO_WIDE, "--from " + r.from() + " is wider than /" + widest);
            }
            source = r.from();
        }
        if (r.duration().compareTo(p.maxDuration()) > 0) {
            throw new GrantException(Kind.DURATION_OVER_MAXIMUM, "duration " + Durations.format(r.duration())
                    + " is over the maximum of " + Durations.format(p.maxDuration()) + " for role " + role.name());
        }
        if (p.reasonRequired() && r.reason() == null) {
            throw new GrantException(Kind.MISSING_REASON, "role " + role.name() + " requires a reason (--reason \"...\")");
        }
        if (openGrants >= p.maxActiveGrants()) {
            throw new GrantException(Kind.TOO_MANY_GRANTS, "you already have " + openGrants
                    + " active or pending grants (role " + role.name() + " allows " + p.maxActiveGrants() + ")");
        }
        return source;
    }

    private Grant create(GrantRequest r, Target target, Role role, Cidr source, Instant now) {
        GrantState state = role.jit().approval() ? GrantState.PENDING : GrantState.ACTIVE;
        Grant g = new Grant(newId(), r.user().name(), target.name(), role.name(), r.ports(), source, now,
                now.plus(r.duration()), r.reason(), state, null, null, null, null, now, 1);
        int max = role.jit().maxActiveGrants();
        boolean inserted;
        try {
            inserted = store.insertWithin(g, max, now);
        } catch (GrantStoreException e) {
            Optional<Grant> found = store.find(g.id());
            if (found.isEmpty()) throw e;
            if (sameRequest(found.get(), g)) {
                inserted = true; // stored after all: the failure came after the commit (e.g. the connection broke)
            } else {
                g = new Grant(newId(), g.user(), g.target(), g.role(), g.ports(), g.source(), g.notBefore(), g.expiresAt(),
                        g.reason(), g.state(), null, null, null, null, now, 1);
                inserted = store.insertWithin(g, max, now); // an id collision (one in 2^39): once more with a fresh id
            }
        }
        if (!inserted) { // another gateway sharing the store took the last place since the count above
            throw new GrantException(Kind.TOO_MANY_GRANTS, "you already have " + max
                    + " active or pending grants (role " + role.name() + " allows " + max + ")");
        }
        index.put(g);
        try {
            audit(event(AuditType.GRANT_REQUESTED, g, r.user().name(), now).outcome(Outcome.SUCCESS, state.code())
                    .source(r.connectionSource().getHostAddress()));
        } catch (RuntimeException e) {
            // Fail closed: a grant that is not in the security record must not admit anyone (here or on another
            // gateway sharing the store), so it is withdrawn before the caller hears of the failure.
            undo(g.decided(GrantState.REVOKED, UNAUDITED, now, null, "the request could not be audited", g.notBefore(),
                    g.expiresAt()), e);
            throw e;
        }
        return g;
    }

    /**
     * Writes {@code undone} (the version before an unaudited change, as a newer version) after the audit write of
     * that change failed; a failure here is added to {@code cause}, which the caller throws.
     */
    private void undo(Grant undone, RuntimeException cause) {
        try {
            if (store.update(undone)) apply(undone);
            else store.find(undone.id()).ifPresent(this::apply);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Is {@code stored} the grant {@code g} as written (the store keeps instants to the microsecond)? */
    private static boolean sameRequest(Grant stored, Grant g) {
        return stored.user().equals(g.user()) && stored.target().equals(g.target()) && stored.role().equals(g.role())
                && stored.ports().equals(g.ports()) && stored.source().equals(g.source()) && stored.version() == g.version()
                && Objects.equals(stored.reason(), g.reason()) && stored.createdAt().truncatedTo(ChronoUnit.MICROS)
                .equals(g.createdAt().truncatedTo(ChronoUnit.MICROS));
    }

    // ---- decisions

    public synchronized Grant approve(Actor actor, String id) {
        return decide("approve", actor, id, () -> {
            Grant g = pending(id);
            requireApprover(actor, g, "approve");
            Instant now = now();
            Instant from = now.isAfter(g.notBefore()) ? now : g.notBefore();
            Grant approved = g.decided(GrantState.ACTIVE, actor.name(), now, actor.name(), null, from, from.plus(g.duration()));
            write(approved);
            try {
                audit(event(AuditType.GRANT_APPROVED, approved, actor, now));
            } catch (RuntimeException e) {
                // Fail closed: an approval missing from the security record does not stand; the grant is pending again.
                undo(approved.decided(GrantState.PENDING, g.decidedBy(), g.decidedAt(), g.approvedBy(), g.note(),
                        g.notBefore(), g.expiresAt()), e);
                throw e;
            }
            return approved;
        });
    }

    /**
     * Denies a pending grant; approvers of its role and operators may.
     *
     * @throws AuditQueuedException when the denial stands but its audit event is queued
     */
    public synchronized Grant deny(Actor actor, String id, String reason) {
        return decide("deny", actor, id, () -> {
            checkNote(reason);
            if (reason == null || reason.isBlank()) {
                throw new GrantException(Kind.MISSING_REASON, "a denial needs a reason (--reason \"...\")");
            }
            Grant g = pending(id);
            requireApprover(actor, g, "deny");
            Instant now = now();
            Grant denied = g.decided(GrantState.DENIED, actor.name(), now, null, reason.strip(), g.notBefore(), g.expiresAt());
            write(denied);
            auditOrQueue(event(AuditType.GRANT_DENIED, denied, actor, now).outcome(Outcome.SUCCESS, "denied"), denied);
            return denied;
        });
    }

    /**
     * Ends a pending or active grant; its owner, an approver of its role or an operator may.
     *
     * @throws AuditQueuedException when the revocation stands (it always takes effect) but its audit event is queued
     */
    public synchronized Grant revoke(Actor actor, String id, String reason) {
        return decide("revoke", actor, id, () -> {
            checkNote(reason);
            Grant g = load(id);
            Instant now = now();
            if (!g.stateAt(now).open()) {
                throw new GrantException(Kind.INVALID_STATE, "grant " + id + " is already " + g.stateAt(now).code());
            }
            if (!actor.is(g.user()) && !mayApprove(actor, g)) {
                throw new GrantException(Kind.NOT_PERMITTED, "only " + g.user() + " or an approver of role " + g.role()
                        + " may revoke grant " + id);
            }
            String why = reason == null || reason.isBlank() ? null : reason.strip();
            Grant revoked = g.decided(GrantState.REVOKED, actor.name(), now, g.approvedBy(), why, g.notBefore(), g.expiresAt());
            write(revoked);
            auditOrQueue(event(AuditType.GRANT_REVOKED, revoked, actor, now), revoked);
            return revoked;
        });
    }

    private interface Decision {
        Grant run();
    }

    private Grant decide(String action, Actor actor, String id, Decision d) {
        try {
            if (id == null || id.length() > 32) throw unknownGrant(id);
            return d.run();
        } catch (GrantException e) {
            Optional<Grant> g = e.kind() == Kind.UNKNOWN_GRANT ? Optional.empty() : store.find(id);
            AuditEvent.Builder b = AuditEvent.builder(AuditType.GRANT_REFUSED, now()).outcome(Outcome.DENIED, e.kind().code())
                    .user(actor.name()).field("processUser", actor.processUser()).field("sudoUser", actor.sudoUser())
                    .field("action", action).field("grant", capped(id)).field("detail", e.getMessage());
            g.ifPresent(x -> b.target(x.target(), null, null).field("grantUser", x.user()));
            audit(b);
            throw e;
        }
    }

    private static void checkNote(String note) {
        if (note != null && note.length() > GrantRequest.MAX_TEXT) {
            throw new GrantException(Kind.NOT_ALLOWED, "the reason is longer than " + GrantRequest.MAX_TEXT + " characters");
        }
    }

    private Grant load(String id) {
        return store.find(id).orElseThrow(() -> unknownGrant(id));
    }

    /** The id is what the user typed: capped, as it goes back to them and into the refusal's audit event. */
    private static GrantException unknownGrant(String id) {
        return new GrantException(Kind.UNKNOWN_GRANT, "no grant with id '" + capped(id) + "'");
    }

    private Grant pending(String id) {
        Grant g = load(id);
        GrantState s = g.stateAt(now());
        if (s != GrantState.PENDING) {
            throw new GrantException(Kind.INVALID_STATE, "grant " + id + " is " + s.code() + ", not pending");
        }
        return g;
    }

    private void requireApprover(Actor actor, Grant g, String verb) {
        if (actor.is(g.user())) {
            throw new GrantException(Kind.SELF_APPROVAL, "you cannot " + verb + " your own grant " + g.id()
                    + (verb.equals("deny") ? " (withdraw it with: jit revoke " + g.id() + ")" : ""));
        }
        if (!mayApprove(actor, g)) {
            Role role = roles.get(g.role());
            throw new GrantException(Kind.NOT_AN_APPROVER, "grants under role " + g.role() + " are decided by members of "
                    + (role == null ? "no role (the role no longer exists; ask an operator)" : role.jit().approverRoles()));
        }
    }

    /** Operators may decide any grant; users when they hold one of the approver roles of the grant's role. */
    public boolean mayApprove(Actor actor, Grant g) {
        if (actor.operator()) return true;
        Role role = roles.get(g.role());
        return role != null && role.jit().approverRoles().stream().anyMatch(actor.roles()::contains);
    }

    private void write(Grant g) {
        if (!store.update(g)) {
            store.find(g.id()).ifPresent(this::apply);
            throw new GrantException(Kind.CONFLICT, "grant " + g.id() + " was changed meanwhile (by another gateway?); try again");
        }
        apply(g);
    }

    // ---- expiry and synchronisation

    /**
     * Tells listeners of active grants past their expiry that they ended, from the clock and the in-memory index alone:
     * no store I/O and not under this object's monitor, so it runs on time while the store hangs (a call that waits
     * for a lock or a silent database holds the monitor until its timeout). Each grant's listeners hear of its end
     * once, whether from here, {@link #expireDue} or a change read from the store. The index already admits nothing
     * new past a grant's expiry; this is for the connections it admitted.
     *
     * @return the grants whose listeners were told now
     */
    public List<Grant> tellExpired() {
        Instant now = now();
        List<Grant> toldNow = new ArrayList<>();
        for (Grant g : index.open()) {
            if (g.state() != GrantState.ACTIVE || g.stateAt(now) != GrantState.EXPIRED) continue;
            Grant e = g.decided(GrantState.EXPIRED, EXPIRY, now, g.approvedBy(), null, g.notBefore(), g.expiresAt());
            if (tellOnce(e)) toldNow.add(e);
        }
        return toldNow;
    }

    /**
     * Marks open grants past their expiry as expired (the sweep); returns those this gateway expired. While the store
     * cannot be written, listeners are still told at once (connections admitted by the grant are cut on time; the
     * index already admits nothing new); the expiry itself is recorded and audited once the store is back. An expiry
     * whose audit event cannot be written stands, and its event is queued ({@link #writeQueuedAudit}); a failure with
     * one grant does not keep the others from expiring.
     *
     * @throws GrantStoreException after telling listeners, when the store failed (retried at the next sweep)
     */
    public synchronized List<Grant> expireDue() {
        forgetTold();
        Instant now = now();
        List<Grant> expired = new ArrayList<>();
        RuntimeException storeFailure = null;
        for (Grant g : index.open()) {
            if (g.stateAt(now) != GrantState.EXPIRED) continue;
            Grant e = g.decided(GrantState.EXPIRED, EXPIRY, now, g.approvedBy(), null, g.notBefore(), g.expiresAt());
            try {
                if (store.update(e)) {
                    apply(e);
                    // The expiry stands; an event that cannot be written now is queued, and the round goes on.
                    auditOrQueue(event(AuditType.GRANT_EXPIRED, e, e.user(), now).outcome(Outcome.INFO, "expired"));
                    expired.add(e);
                } else {
                    store.find(g.id()).ifPresent(this::apply); // another gateway got there first
                }
            } catch (RuntimeException failure) {
                if (storeFailure == null) storeFailure = failure;
                if (g.state() == GrantState.ACTIVE) tellOnce(e);
            }
        }
        if (storeFailure != null) throw storeFailure;
        return expired;
    }

    /** Drops ids of grants out of the index since the last sweep (called under this monitor, as every apply is). */
    private void forgetTold() {
        told.values().removeIf(outAtLastSweep -> outAtLastSweep);
        told.replaceAll((id, out) -> index.get(id).isEmpty());
    }

    /** Re-reads open grants from the store, taking in changes made by other gateways (and telling listeners). */
    public synchronized void refresh() {
        Map<String, Grant> fresh = new LinkedHashMap<>();
        store.open().forEach(g -> fresh.put(g.id(), g));
        for (Grant g : List.copyOf(index.open())) {
            if (!fresh.containsKey(g.id())) store.find(g.id()).ifPresent(this::apply);
        }
        fresh.values().forEach(this::apply);
    }

    /** Indexes a newer version of a grant and tells listeners when it ends one that admitted connections. */
    private void apply(Grant g) {
        Grant old = index.put(g);
        boolean ended = g.state() == GrantState.REVOKED || g.state() == GrantState.EXPIRED;
        if (ended && old != null && old.state() == GrantState.ACTIVE && old.version() < g.version()) {
            tellOnce(g);
        }
    }

    /**
     * Tells every listener that {@code ended} ended, unless they were told already; one that throws does not keep the
     * others from hearing it. Returns whether they were told now.
     */
    private boolean tellOnce(Grant ended) {
        if (told.putIfAbsent(ended.id(), false) != null) return false;
        for (GrantListener l : listeners) {
            try {
                l.grantEnded(ended);
            } catch (RuntimeException e) {
                log.error("grant {} ended ({}): a listener failed", ended.id(), ended.state(), e);
            }
        }
        return true;
    }

    // ---- queries

    public Optional<Grant> find(String id) {
        return store.find(id);
    }

    /**
     * Grants that concern {@code actor}, newest first: operators see every grant; users their own and those they
     * may decide. Only open ones unless {@code includeEnded} (then also the most recent ended ones).
     */
    public List<Grant> list(Actor actor, boolean includeEnded) {
        Instant now = now();
        Map<String, Grant> out = new LinkedHashMap<>();
        store.open().stream().filter(g -> actor.operator() || actor.is(g.user()) || mayApprove(actor, g))
                .filter(g -> includeEnded || g.stateAt(now).open()).forEach(g -> out.put(g.id(), g));
        if (includeEnded) {
            store.recent(actor.operator() ? null : actor.name(), HISTORY).forEach(g -> out.putIfAbsent(g.id(), g));
        }
        return out.values().stream().sorted(Comparator.comparing(Grant::createdAt).reversed().thenComparing(Grant::id)).toList();
    }

    // ---- helpers

    private String newId() {
        char[] c = new char[8];
        for (int i = 0; i < c.length; i++) c[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        return new String(c);
    }

    private static List<String> portNames(List<Integer> ports) {
        return ports.stream().map(Ports::name).toList();
    }

    /** A decision's event: operators' also carry the process's unix user and {@code SUDO_USER}. */
    private static AuditEvent.Builder event(AuditType type, Grant g, Actor actor, Instant now) {
        return event(type, g, actor.name(), now).field("processUser", actor.processUser()).field("sudoUser", actor.sudoUser());
    }

    private static AuditEvent.Builder event(AuditType type, Grant g, String actor, Instant now) {
        return AuditEvent.builder(type, now).user(actor)
                .target(g.target(), null, g.ports().size() == 1 ? g.ports().iterator().next() : null)
                .field("grant", g.id()).field("grantUser", g.user()).field("role", g.role())
                .field("ports", List.copyOf(g.sortedPorts())).field("from", g.source().toString())
                .field("notBefore", g.notBefore()).field("expiresAt", g.expiresAt()).field("reason", g.reason())
                .field("state", g.state().code()).field("approvedBy", g.approvedBy()).field("note", g.note());
    }

    private void audit(AuditEvent.Builder b) {
        audit.emit(b.build());
    }

    /**
     * Audits a change that stands whatever the audit log says; when the event cannot be written it is queued, the
     * caller is told with an {@link AuditQueuedException}.
     */
    private void auditOrQueue(AuditEvent.Builder b, Grant changed) {
        RuntimeException failure = auditOrQueue(b);
        if (failure != null) throw new AuditQueuedException(changed, failure);
    }

    /** Writes {@code b} after any queued events (in order); returns null, or the failure when it is queued instead. */
    private RuntimeException auditOrQueue(AuditEvent.Builder b) {
        synchronized (unwritten) {
            unwritten.addLast(b.build());
            return writeQueued();
        }
    }

    /**
     * Retries writing the audit events of changes that stand but could not be audited (each maintenance round calls
     * it); returns how many are still waiting.
     */
    public int writeQueuedAudit() {
        synchronized (unwritten) {
            writeQueued();
            return unwritten.size();
        }
    }

    /** The events still waiting to be written, oldest first. */
    public List<AuditEvent> queuedAudit() {
        synchronized (unwritten) {
            return List.copyOf(unwritten);
        }
    }

    /** Writes queued events, oldest first, until one fails; returns that failure, or null when all were written. */
    private RuntimeException writeQueued() {
        while (!unwritten.isEmpty()) {
            AuditEvent e = unwritten.peekFirst();
            try {
                audit.emit(e);
            } catch (RuntimeException failure) {
                log.error("audit log cannot be written ({}): {} event(s) of grant changes that stand are kept in memory and"
                        + " retried every maintenance round, oldest {} of grant {}", failure.toString(), unwritten.size(),
                        e.type().eventName(), e.fields().get("grant"));
                return failure;
            }
            unwritten.removeFirst();
        }
        return null;
    }

    /** For messages: {@code 22} → {@code ssh}. */
    public static String describePorts(Set<Integer> ports) {
        return String.join(",", portNames(ports.stream().sorted().toList()));
    }
}
