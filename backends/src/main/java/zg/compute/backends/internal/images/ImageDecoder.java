package zg.compute.backends.internal.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns uploaded bytes into an image, refusing anything that is not PNG or JPEG (by magic bytes, whatever the
 * declared content type) and anything with more than {@code maxPixels} pixels (checked from the header, before
 * the pixels are decoded). Every failure is a {@link BadImageRequest} naming the field.
 */
public final class ImageDecoder {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageDecoder() {
    }

    /** {@code "png"}, {@code "jpeg"} or null, from the first bytes. */
    static String format(byte[] b) {
        if (b.length >= PNG_MAGIC.length) {
            boolean png = true;
            for (int i = 0; i < PNG_MAGIC.length; i++) {
                png &= b[i] == PNG_MAGIC[i];
            }
            if (png) {
                return "png";
            }
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "jpeg";
        }
        return null;
    }

    public static BufferedImage decode(byte[] bytes, String field, long maxPixels) throws BadImageRequest {
        String format = format(bytes);
        if (format == null) {
            throw new BadImageRequest("`" + field + "` is not a PNG or JPEG image");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            long w = reader.getWidth(0);
            long h = reader.getHeight(0);
            if (w <= 0 || h <= 0) {
                throw new BadImageRequest("`" + field + "` has no pixels");
            }
            if (w * h > maxPixels) {
                throw new BadImageRequest("`" + field + "` is " + w + "x" + h + " pixels; at most " + maxPixels
                        + " pixels are accepted");
            }
            return reader.read(0);
        } catch (BadImageRequest e) {
            throw e;
        } catch (Exception e) {
            throw new BadImageRequest("`" + field + "` could not be decoded as " + format.toUpperCase() + ": "
                    + oneLine(e));
        } finally {
            reader.dispose();
        }
    }

    /**
     * Decodes the JSON form of an image: standard base64, or a {@code data:image/…;base64,} URI.
     */
    public static byte[] base64(String value, String field) throws BadImageRequest {
        String payload = value;
        if (value.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = value.indexOf(',');
            if (comma < 0 || !value.substring(0, comma).toLowerCase().endsWith(";base64")) {
                throw new BadImageRequest("`" + field + "` data URI must be of the form data:image/png;base64,…");
            }
            payload = value.substring(comma + 1);
        }
        StringBuilder clean = new StringBuilder(payload.length());
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (!Character.isWhitespace(c)) {
                clean.append(c);
            }
        }
        try {
            return Base64.getDecoder().decode(clean.toString());
        } catch (IllegalArgumentException e) {
            throw new BadImageRequest("`" + field + "` is not valid base64 (" + oneLine(e) + ")");
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceAll("\\s+", " ").strip();
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
