package io.jumpgate.rdp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;

/**
 * Coverage-guided fuzzing of the preamble decoder with Jazzer, bounded by {@code maxExecutions} (surefire sets
 * JAZZER_FUZZ=1 for this module; seeds are real FreeRDP/mstsc requests in X224PreambleFuzzTestInputs). Any
 * input, fed in two chunks split where its first byte says, either decodes or fails with
 * {@link RdpPreambleException}: nothing else escapes, and a hang would be reported by Jazzer as a finding.
 */
class X224PreambleFuzzTest {
    @FuzzTest(maxExecutions = 20_000)
    void onlyTheTypedExceptionEscapes(byte[] input) {
        EmbeddedChannel ch = new EmbeddedChannel(new X224PreambleDecoder(1024, Duration.ofSeconds(5)));
        int split = input.length == 0 ? 0 : (input[0] & 0xff) % (input.length + 1);
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(input, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(input, split, input.length - split));
            Object m;
            while ((m = ch.readInbound()) != null) ReferenceCountUtil.release(m);
            ch.finishAndReleaseAll();
        } catch (RdpPreambleException expected) {
            ch.finishAndReleaseAll();
        }
    }
}
