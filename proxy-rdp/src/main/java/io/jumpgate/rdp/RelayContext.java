package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.target.InventorySnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.group.ChannelGroup;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * What every relay's handlers share: settings, the live inventory and policy, audit, time, the template for target
 * connections (options set, no event loop, no handler), live relays.
 */
record RelayContext(RdpRelayOptions options, Supplier<InventorySnapshot> inventory, Supplier<AccessPolicy> policy,
                    AuditSink audit, Clock clock, Transport transport, Bootstrap backend, ChannelGroup relays) {}
