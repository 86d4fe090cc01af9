package zg.compute.backends.internal.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import zg.compute.protocol.audio.Wav;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces that need no external tool: the pocketsphinx output parser, the WAV header reader, cue times. */
class SpeechInternalsTest {

    @TempDir
    Path dir;

    @Test
    void parserSplitsUtterancesDropsFillersAndAlternatePronunciationMarks() {
        List<Transcript.Segment> out = new ArrayList<>();
        Pocketsphinx.Parser p = new Pocketsphinx.Parser(out::add);
        // the shape pocketsphinx_continuous -time yes prints: hypothesis, then "word start end posterior" lines
        for (String line : List.of("i would like a cup", "<s> 0.000 0.980 0.999100", "i 0.990 1.100 0.908091",
                "would 1.110 1.270 0.685817", "[NOISE] 1.271 1.279 0.5", "like 1.280 1.590 0.879488",
                "a(2) 1.600 1.680 0.488125", "cup 1.690 1.970 0.018109", "</s> 2.660 3.120 1.000000",
                "please open", "<s> 4.490 4.580 0.999600", "please 4.590 4.920 0.431108", "open 4.930 5.300 0.429687",
                "<sil> 5.920 6.140 0.999600")) {
            p.line(line);
        }
        p.finish();
        assertThat(out).hasSize(2);
        assertThat(out.get(0).text()).isEqualTo("i would like a cup");
        assertThat(out.get(0).start()).isEqualTo(0.99);
        assertThat(out.get(0).end()).isEqualTo(1.97);
        assertThat(out.get(0).avgLogprob()).isLessThan(0);
        assertThat(out.get(1).id()).isEqualTo(1);
        assertThat(out.get(1).text()).isEqualTo("please open");
        assertThat(out.get(1).start()).isEqualTo(4.59);
        assertThat(new Transcript(out, 6.3).text()).isEqualTo("i would like a cup please open");
    }

    @Test
    void parserSplitsLongUtterancesForReadableCues() {
        List<Transcript.Segment> out = new ArrayList<>();
        Pocketsphinx.Parser p = new Pocketsphinx.Parser(out::add);
        p.line("many words");
        for (int i = 0; i < 40; i++) {
            p.line(String.format(java.util.Locale.ROOT, "w%d %.3f %.3f 0.9", i, i * 0.3, i * 0.3 + 0.25));
        }
        p.finish();
        assertThat(out.size()).isGreaterThanOrEqualTo(3);
        for (Transcript.Segment s : out) {
            assertThat(s.words().size()).isLessThanOrEqualTo(Pocketsphinx.MAX_SEGMENT_WORDS);
            assertThat(s.end() - s.start()).isLessThanOrEqualTo(Pocketsphinx.MAX_SEGMENT_SECONDS);
        }
        assertThat(out.stream().mapToInt(s -> s.words().size()).sum()).isEqualTo(40);
    }

    @Test
    void wavHeaderWithExtraChunksParsesAndIsNotCanonical() throws Exception {
        // RIFF, fmt (PCM mono 16 kHz 16-bit), a LIST chunk, then 32000 bytes of data = 1.0 s
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + 8 + 10 + 8 + 32000).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46464952).putInt(b.capacity() - 8).putInt(0x45564157);
        b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1).putInt(16000).putInt(32000)
                .putShort((short) 2).putShort((short) 16);
        b.putInt(0x5453494c).putInt(10).put(new byte[10]);
        b.putInt(0x61746164).putInt(32000);
        Path f = dir.resolve("x.wav");
        Files.write(f, b.array());
        Wav wav = Wav.read(f);
        assertThat(wav.seconds()).isCloseTo(1.0, within(1e-9));
        assertThat(wav.dataOffset()).isEqualTo(62);
        // pocketsphinx would read the LIST chunk as samples: this file must go through sox
        assertThat(AudioInput.isCanonicalTarget(wav)).isFalse();
        Path notWav = dir.resolve("y.wav");
        Files.writeString(notWav, "RIFF....WAVEnothing");
        assertThatThrownBy(() -> Wav.read(notWav)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fmt");
    }

    @Test
    void cueTimesAndOneLineMessages() {
        assertThat(Formats.cueTime(3725.5, ',')).isEqualTo("01:02:05,500");
        assertThat(Formats.cueTime(0.0014, '.')).isEqualTo("00:00:00.001");
        assertThat(TranscriptionRoute.oneLine("a\nb\r\nc", 100)).isEqualTo("a b c");
        assertThat(TranscriptionRoute.oneLine("x".repeat(50), 10)).hasSize(11);
    }
}
