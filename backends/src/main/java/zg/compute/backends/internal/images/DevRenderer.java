package zg.compute.backends.internal.images;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Draws the development images: NOT a model. A generation is a gradient background with shapes, both derived
 * from SHA-256 of (image index, prompt), the prompt written in a dark box in the middle and the label
 * {@link #LABEL} in a black band at the top. An edit is (a scaled copy of) the input, optionally tinted where the
 * mask is transparent, with the prompt in a box at the bottom and the same label band.
 *
 * <p>Everything is deterministic: the same arguments give the same pixels, so the same PNG bytes. Background
 * and shape colours keep every channel at most 229, and the prompt is drawn in pure white, so "near-white"
 * pixels of a generation are exactly the prompt text.
 */
public final class DevRenderer {

    static {
        // Must be set before the first AWT class initialises its toolkit; an explicit -D wins.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static final String LABEL = "DEVELOPMENT RENDER \u2014 not a model";

    private static final Color LABEL_BAND = Color.BLACK;
    private static final Color LABEL_TEXT = new Color(255, 214, 0);
    private static final Color PROMPT_TEXT = Color.WHITE;
    private static final Color PROMPT_BOX = new Color(0, 0, 0, 190);
    private static final int MAX_PROMPT_CHARS_DRAWN = 600;

    private DevRenderer() {
    }

    /** The height of the label band at the top of an image {@code height} pixels high. */
    public static int labelBandHeight(int height) {
        return Math.max(14, height / 14);
    }

    /** Renders image {@code index} (0-based) of a generation request. */
    public static BufferedImage generate(String prompt, int index, int width, int height) {
        SplittableRandom rnd = seed(prompt, index);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        try {
            Color top = colour(rnd, 255);
            Color bottom = colour(rnd, 255);
            g.setPaint(new GradientPaint(0, 0, top, (float) (width * rnd.nextDouble()), height, bottom));
            g.fillRect(0, 0, width, height);
            int shapes = 6 + rnd.nextInt(7);
            int unit = Math.min(width, height);
            for (int i = 0; i < shapes; i++) {
                g.setColor(colour(rnd, 90 + rnd.nextInt(111)));
                double cx = width * rnd.nextDouble();
                double cy = height * rnd.nextDouble();
                double sw = unit * (0.1 + 0.35 * rnd.nextDouble());
                double sh = unit * (0.1 + 0.35 * rnd.nextDouble());
                switch (rnd.nextInt(3)) {
                    case 0 -> g.fill(new Ellipse2D.Double(cx - sw / 2, cy - sh / 2, sw, sh));
                    case 1 -> g.fill(new RoundRectangle2D.Double(cx - sw / 2, cy - sh / 2, sw, sh, sw / 4, sh / 4));
                    default -> {
                        Polygon p = new Polygon();
                        for (int k = 0; k < 3; k++) {
                            p.addPoint((int) Math.round(cx + sw * (rnd.nextDouble() - 0.5)),
                                    (int) Math.round(cy + sh * (rnd.nextDouble() - 0.5)));
                        }
                        g.fill(p);
                    }
                }
            }
            Color accent = colour(rnd, 255);
            drawPrompt(g, prompt, width, height, false, accent);
            drawLabel(g, width, height);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * Renders image {@code index} (0-based) of an edit: {@code input} scaled to {@code width}×{@code height}
     * (composited over white), tinted where {@code mask} (optional, same orientation, any size) is transparent,
     * with the prompt at the bottom and the label at the top.
     */
    public static BufferedImage edit(BufferedImage input, BufferedImage mask, String prompt, int index,
                                     int width, int height) {
        SplittableRandom rnd = seed(prompt, index);
        Color tint = colour(rnd, 255);
        Color accent = colour(rnd, 255);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(input, 0, 0, width, height, null);
            if (mask != null) {
                tintMasked(img, mask, tint);
            }
            drawPrompt(g, prompt, width, height, true, accent);
            drawLabel(g, width, height);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** PNG bytes of {@code img} (ImageIO's PNG writer: deterministic, no timestamps). */
    public static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Renders a small image with text once, so a JVM without working headless AWT or fonts fails at start with
     * one clear message instead of on the first request.
     */
    public static void selfTest() {
        try {
            ImageIO.setUseCache(false);
            png(generate("self test", 0, 64, 64));
        } catch (Throwable e) {
            throw new IllegalStateException("java.awt headless rendering does not work in this JVM (a JDK with AWT "
                    + "and fontconfig + a font such as fonts-dejavu-core are needed): " + e, e);
        }
    }

    private static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        return g;
    }

    private static SplittableRandom seed(String prompt, int index) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("zg-dev-image\n" + index + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] h = sha.digest(prompt.getBytes(StandardCharsets.UTF_8));
            long s = 0;
            for (int i = 0; i < 8; i++) {
                s = (s << 8) | (h[i] & 0xff);
            }
            return new SplittableRandom(s);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A saturated colour with every channel ≤ 229 (brightness ≤ 0.9), so never near-white. */
    private static Color colour(SplittableRandom rnd, int alpha) {
        float hue = (float) rnd.nextDouble();
        float sat = 0.35f + 0.6f * (float) rnd.nextDouble();
        float bri = 0.3f + 0.6f * (float) rnd.nextDouble();
        int rgb = Color.HSBtoRGB(hue, sat, bri);
        return new Color((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, alpha);
    }

    private static void tintMasked(BufferedImage img, BufferedImage mask, Color tint) {
        int w = img.getWidth();
        int h = img.getHeight();
        int mw = mask.getWidth();
        int mh = mask.getHeight();
        for (int y = 0; y < h; y++) {
            int my = (int) ((long) y * mh / h);
            for (int x = 0; x < w; x++) {
                int mx = (int) ((long) x * mw / w);
                if ((mask.getRGB(mx, my) >>> 24) < 128) {
                    int p = img.getRGB(x, y);
                    int r = (((p >> 16) & 0xff) + tint.getRed()) / 2;
                    int gg = (((p >> 8) & 0xff) + tint.getGreen()) / 2;
                    int b = ((p & 0xff) + tint.getBlue()) / 2;
                    img.setRGB(x, y, (r << 16) | (gg << 8) | b);
                }
            }
        }
    }

    private static void drawLabel(Graphics2D g, int width, int height) {
        int band = labelBandHeight(height);
        g.setComposite(AlphaComposite.SrcOver);
        g.setColor(LABEL_BAND);
        g.fillRect(0, 0, width, band);
        int pad = Math.max(2, band / 5);
        Font font = fit(g, new Font(Font.SANS_SERIF, Font.BOLD, Math.max(8, band * 3 / 5)), LABEL, width - 2 * pad);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        int x = Math.max(pad, (width - fm.stringWidth(LABEL)) / 2);
        int y = (band - fm.getHeight()) / 2 + fm.getAscent();
        g.setColor(LABEL_TEXT);
        g.drawString(LABEL, x, y);
    }

    private static Font fit(Graphics2D g, Font font, String text, int maxWidth) {
        Font f = font;
        while (f.getSize() > 6 && g.getFontMetrics(f).stringWidth(text) > maxWidth) {
            f = f.deriveFont((float) (f.getSize() - 1));
        }
        return f;
    }

    private static void drawPrompt(Graphics2D g, String prompt, int width, int height, boolean atBottom,
                                   Color accent) {
        String text = printable(prompt);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, width / 24));
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        int margin = Math.max(4, width / 16);
        int pad = Math.max(3, fm.getHeight() / 3);
        int textWidth = width - 2 * margin - 2 * pad;
        int maxBoxHeight = atBottom ? height / 4 : height * 2 / 5;
        int maxLines = Math.max(1, (maxBoxHeight - 2 * pad) / fm.getHeight());
        List<String> lines = wrap(fm, text, textWidth, maxLines);
        int boxHeight = lines.size() * fm.getHeight() + 2 * pad;
        int boxY = atBottom ? height - boxHeight - Math.max(2, height / 40) : (height - boxHeight) / 2;
        int boxX = margin;
        int boxWidth = width - 2 * margin;
        g.setColor(PROMPT_BOX);
        g.fillRoundRect(boxX, boxY, boxWidth, boxHeight, pad * 2, pad * 2);
        g.setColor(new Color(accent.getRed(), accent.getGreen(), accent.getBlue()));
        g.setStroke(new BasicStroke(Math.max(1f, width / 256f)));
        g.drawRoundRect(boxX, boxY, boxWidth, boxHeight, pad * 2, pad * 2);
        g.setColor(PROMPT_TEXT);
        int y = boxY + pad + fm.getAscent();
        for (String line : lines) {
            g.drawString(line, boxX + pad, y);
            y += fm.getHeight();
        }
    }

    private static String printable(String prompt) {
        String s = prompt.length() > MAX_PROMPT_CHARS_DRAWN
                ? prompt.substring(0, MAX_PROMPT_CHARS_DRAWN) + "\u2026" : prompt;
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? ' ' : cp));
        return b.toString().strip();
    }

    /** Greedy word wrap; over-long words are broken; more than {@code maxLines} ends in an ellipsis. */
    static List<String> wrap(FontMetrics fm, String text, int maxWidth, int maxLines) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (fm.stringWidth(candidate) <= maxWidth) {
                line.setLength(0);
                line.append(candidate);
                continue;
            }
            if (!line.isEmpty()) {
                lines.add(line.toString());
                line.setLength(0);
            }
            String rest = word;
            while (fm.stringWidth(rest) > maxWidth && rest.length() > 1) {
                int cut = 1;
                while (cut < rest.length() && fm.stringWidth(rest.substring(0, cut + 1)) <= maxWidth) {
                    cut++;
                }
                if (Character.isHighSurrogate(rest.charAt(cut - 1)) && cut > 1) {
                    cut--;
                }
                lines.add(rest.substring(0, cut));
                rest = rest.substring(cut);
            }
            line.append(rest);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        if (lines.size() > maxLines) {
            List<String> cut = new ArrayList<>(lines.subList(0, maxLines));
            String last = cut.get(maxLines - 1);
            while (!last.isEmpty() && fm.stringWidth(last + "\u2026") > maxWidth) {
                last = last.substring(0, last.length() - 1);
            }
            cut.set(maxLines - 1, last + "\u2026");
            return cut;
        }
        return lines;
    }
}
