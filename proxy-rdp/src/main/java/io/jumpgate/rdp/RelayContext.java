package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.target.InventorySnapshot;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;

import java.net.InetAddress;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What every relay's handlers share: settings, the live inventory and policy, audit, time, the transport, live
 * relays, and how many refusals are audited one by one.
 */
record RelayContext(RdpRelayOptions options, Supplier<InventorySnapshot> inventory, Supplier<AccessPolicy> policy,
                    AuditSink audit, Clock clock, Transport transport, ChannelGroup relays, DenialBudget denials) {

    /**
     * A new, unregistered socket for a connection to {@code target}, configured for relaying: reads only when asked
     * (read-one-write-one), half-close kept, the relay's receive buffer, the configured connect timeout. Made here
     * rather than by a {@code Bootstrap} per connection: no option maps copied and no connect deferred to a task.
     * TCP_NODELAY is not set: Netty's socket configs turn it on by default, and setting it again costs a syscall.
     */
    SocketChannel newTargetChannel(InetAddress target) {
        SocketChannel ch = transport.socketChannelFor(target).newChannel();
        ch.config().setAutoRead(false);
        ch.config().setAllowHalfClosure(true);
        ch.config().setReceiveBufferSize(RdpRelay.RECEIVE_BUFFER_BYTES);
        ch.config().setConnectTimeoutMillis((int) options.connectTimeout().toMillis());
        return ch;
    }
}
