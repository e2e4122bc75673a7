package io.jumpgate.rdp;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.Inet4Address;
import java.net.InetAddress;

/** Native epoll when the platform has it, NIO otherwise. */
record Transport(String name, ChannelFactory<? extends SocketChannel> socketChannel, boolean epoll) {
    static Transport best() {
        return Epoll.isAvailable()
                ? new Transport("epoll", EpollSocketChannel::new, true)
                : new Transport("nio", NioSocketChannel::new, false);
    }

    /**
     * Target connections to {@code address}: with epoll, a socket of the address's own family (no dual-stack IPv6
     * socket and its {@code IPV6_V6ONLY} call for an IPv4 target).
     */
    ChannelFactory<? extends SocketChannel> socketChannelFor(InetAddress address) {
        if (!epoll) return socketChannel;
        SocketProtocolFamily family = familyOf(address);
        return () -> new EpollSocketChannel(family);
    }

    /**
     * Listeners on {@code address}: with epoll, likewise of the address's own family, so a listener on an IPv4
     * address accepts IPv4 sockets (not IPv4-mapped IPv6 ones, which cost the kernel more to set up per accept).
     */
    ChannelFactory<? extends ServerChannel> serverChannelFor(InetAddress address) {
        if (!epoll) return NioServerSocketChannel::new;
        SocketProtocolFamily family = familyOf(address);
        return () -> new EpollServerSocketChannel(family);
    }

    private static SocketProtocolFamily familyOf(InetAddress address) {
        return address instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }

    /**
     * Event loops for listeners, accepted connections and target connections alike: an accepted connection stays
     * on the loop that accepted it unless that loop is clearly busier than another ({@link LocalFirstEventLoopGroup}).
     */
    EventLoopGroup newGroup(int threads) {
        return new LocalFirstEventLoopGroup(threads, epoll ? new StayInEpoll(EpollIoHandler.newFactory()) : NioIoHandler.newFactory(),
                LOCAL_SLACK);
    }

    /** Channels an accepting loop may hold beyond the least busy loop and still keep what it accepts (4 relays). */
    static final int LOCAL_SLACK = 8;
}
