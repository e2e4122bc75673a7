package io.jumpgate.gateway.recording;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.session.ConnectionService;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * The target's shell or exec channel for a recorded session. Its output goes to an {@link OutputForwarder} straight
 * from MINA's I/O thread, which never waits there; its window (how much more the target may send) reopens only when
 * the forwarder reports output recorded and queued to be shown ({@link OutputForwarder.Session#passedOn}).
 *
 * <p>MINA's own channels reopen the window as soon as the output stream's {@code write} returns, so holding back a
 * target whose user stops reading would mean blocking in that {@code write}, on an I/O thread that MINA shares
 * between all target connections: a few stalled users would stall every recorded session. MINA's piped streams
 * avoid that but move the buffered bytes on every read (15% of the gateway's CPU samples in a profile of bulk output).
 */
final class TargetChannels {
    private TargetChannels() {}

    /**
     * Creates and registers (not opens) the channel: a login shell when {@code command} is null.
     *
     * @param userOut where the target's stdout goes (through the forwarder)
     * @param userErr where its stderr goes (not named out/err: the channel classes have fields of those names)
     */
    static PtyCapableChannelSession create(ClientSession session, String command, OutputForwarder forwarder,
                                           OutputStream userOut, OutputStream userErr) throws IOException {
        PtyCapableChannelSession ch = command == null
                ? new ChannelShell(null, Map.of()) {
                    @Override
                    protected void doWriteData(byte[] data, int off, long len) throws IOException {
                        if (!isClosing()) forwarder.forward(userOut, data, off, (int) len);
                    }

                    @Override
                    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
                        if (!isClosing()) forwarder.forward(userErr, data, off, (int) len);
                    }
                }
                : new ChannelExec(command, null, Map.of()) {
                    @Override
                    protected void doWriteData(byte[] data, int off, long len) throws IOException {
                        if (!isClosing()) forwarder.forward(userOut, data, off, (int) len);
                    }

                    @Override
                    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
                        if (!isClosing()) forwarder.forward(userErr, data, off, (int) len);
                    }
                };
        // Never written (the overrides above take the output); set so that MINA makes no pipes for it.
        ch.setOut(OutputStream.nullOutputStream());
        ch.setErr(OutputStream.nullOutputStream());
        session.getService(ConnectionService.class).registerChannel(ch);
        return ch;
    }
}
