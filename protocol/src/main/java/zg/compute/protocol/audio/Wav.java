package zg.compute.protocol.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A RIFF/WAVE header: format, rate, channels, sample size and where the samples are. Chunks are walked in
 * order (fmt, LIST, fact … data), so files with extra chunks parse too. The duration is the data chunk's
 * length (clamped to the bytes really present) over the byte rate. One parser for the speech-to-text server
 * (files), and the broker and SDK billing generated speech by its length (bytes).
 */
public record Wav(int formatTag, int channels, int sampleRate, int bitsPerSample, int blockAlign, long dataOffset,
        long dataBytes, long fileBytes) {

    /** Audio length in seconds. */
    public double seconds() {
        if (sampleRate <= 0 || blockAlign <= 0) {
            return 0;
        }
        return (double) (dataBytes / blockAlign) / sampleRate;
    }

    /** Reads {@code buf.remaining()} bytes at {@code at}, or fewer at the end; returns how many. */
    @FunctionalInterface
    private interface Source {
        int read(ByteBuffer buf, long at) throws IOException;
    }

    /** Parses the header of a WAV file held in memory; a one-line {@link IllegalArgumentException} if it is not one. */
    public static Wav read(byte[] bytes) {
        try {
            return read(bytes.length, (buf, at) -> {
                int n = (int) Math.max(0, Math.min(buf.remaining(), bytes.length - at));
                buf.put(bytes, (int) Math.min(at, bytes.length), n);
                return n;
            });
        } catch (IOException e) {
            throw new IllegalStateException(e); // not thrown by an array
        }
    }

    /** Parses the header of {@code file}; a one-line {@link IllegalArgumentException} if it is not a WAV file. */
    public static Wav read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch.size(), (buf, at) -> readFully(ch, buf, at));
        }
    }

    private static Wav read(long size, Source ch) throws IOException {
        {
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(head, 0) < 12 || head.getInt(0) != 0x46464952 /* RIFF */
                    || head.getInt(8) != 0x45564157 /* WAVE */) {
                throw new IllegalArgumentException("not a RIFF/WAVE file");
            }
            int formatTag = -1;
            int channels = 0;
            int rate = 0;
            int bits = 0;
            int align = 0;
            long pos = 12;
            ByteBuffer chunk = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (pos + 8 <= size) {
                chunk.clear();
                ch.read(chunk, pos);
                int id = chunk.getInt(0);
                long len = Integer.toUnsignedLong(chunk.getInt(4));
                long body = pos + 8;
                if (id == 0x20746d66 /* "fmt " */) {
                    if (len < 16) {
                        throw new IllegalArgumentException("WAV fmt chunk too short");
                    }
                    ByteBuffer fmt = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                    if (ch.read(fmt, body) < 16) {
                        throw new IllegalArgumentException("WAV fmt chunk truncated");
                    }
                    formatTag = Short.toUnsignedInt(fmt.getShort(0));
                    channels = Short.toUnsignedInt(fmt.getShort(2));
                    rate = fmt.getInt(4);
                    align = Short.toUnsignedInt(fmt.getShort(12));
                    bits = Short.toUnsignedInt(fmt.getShort(14));
                } else if (id == 0x61746164 /* "data" */) {
                    if (formatTag < 0) {
                        throw new IllegalArgumentException("WAV data chunk before its fmt chunk");
                    }
                    long present = Math.max(0, size - body);
                    return new Wav(formatTag, channels, rate, bits, align, body, Math.min(len, present), size);
                }
                pos = body + len + (len & 1);
            }
            throw new IllegalArgumentException(formatTag < 0 ? "WAV file without a fmt chunk" : "WAV file without a data chunk");
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
