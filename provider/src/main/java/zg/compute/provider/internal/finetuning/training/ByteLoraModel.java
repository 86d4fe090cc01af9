package zg.compute.provider.internal.finetuning.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A DEVELOPMENT model, not an LLM: it predicts the next byte from the current one. The base is frozen
 * and generated from a seed (embedding {@code E}: 256×d; output projection {@code W}: 256×d, laid out as
 * a torch {@code Linear} weight); only a low-rank adapter on the projection trains, as LoRA does:
 * {@code W' = W + (alpha/r)·B·A} with {@code A}: r×d (seeded uniform) and {@code B}: 256×r (zeros), so the
 * untrained adapter changes nothing. Softmax cross-entropy, Adam. Small enough to train on a CPU in
 * seconds; what it learns is the byte statistics of the dataset.
 */
public final class ByteLoraModel {

    public static final int VOCAB = 256;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final int d;
    private final int r;
    private final int alpha;
    private final double scale;
    private final float[] emb;
    private final float[] w;
    private final float[] a;
    private final float[] b;
    private final double[] ma;
    private final double[] va;
    private final double[] mb;
    private final double[] vb;
    private int t;

    private ByteLoraModel(int d, int r, int alpha, float[] emb, float[] w, float[] a, float[] b) {
        this.d = d;
        this.r = r;
        this.alpha = alpha;
        this.scale = (double) alpha / r;
        this.emb = emb;
        this.w = w;
        this.a = a;
        this.b = b;
        this.ma = new double[a.length];
        this.va = new double[a.length];
        this.mb = new double[b.length];
        this.vb = new double[b.length];
    }

    /** The frozen base generated from {@code seed} with a fresh adapter (B = 0). */
    public static ByteLoraModel fresh(long seed, int d, int r, int alpha) {
        Random rnd = new Random(seed);
        float[] emb = new float[VOCAB * d];
        float[] w = new float[VOCAB * d];
        for (int i = 0; i < emb.length; i++) {
            emb[i] = (float) rnd.nextGaussian();
        }
        double wStd = 1 / Math.sqrt(d);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * wStd);
        }
        Random adapter = new Random(seed ^ 0x5DEECE66DL);
        float[] a = new float[r * d];
        double bound = 1 / Math.sqrt(d);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((adapter.nextDouble() * 2 - 1) * bound);
        }
        return new ByteLoraModel(d, r, alpha, emb, w, a, new float[VOCAB * r]);
    }

    /** The base of {@code seed} with a trained adapter (as {@link #adapterTensors} wrote it). */
    public static ByteLoraModel withAdapter(long seed, int d, int alpha, Safetensors.Tensor loraA,
            Safetensors.Tensor loraB) {
        int r = loraA.shape()[0];
        if (loraA.shape()[1] != d || loraB.shape()[0] != VOCAB || loraB.shape()[1] != r) {
            throw new IllegalArgumentException("adapter shapes do not fit the base model (d " + d + ")");
        }
        ByteLoraModel base = fresh(seed, d, r, alpha);
        return new ByteLoraModel(d, r, alpha, base.emb, base.w, loraA.data().clone(), loraB.data().clone());
    }

    public int rank() {
        return r;
    }

    public int alpha() {
        return alpha;
    }

    /** Mean next-byte cross-entropy (nats) over every position of {@code sequences}; no update. */
    public double loss(List<byte[]> sequences) {
        double sum = 0;
        long n = 0;
        double[] logits = new double[VOCAB];
        double[] u = new double[r];
        for (byte[] s : sequences) {
            for (int i = 0; i + 1 < s.length; i++) {
                sum += forward(s[i] & 0xff, s[i + 1] & 0xff, logits, u);
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** One Adam step on a batch, learning rate {@code lr}; returns the batch's mean loss before the step. */
    public double step(List<byte[]> batch, double lr) {
        double[] ga = new double[a.length];
        double[] gb = new double[b.length];
        double[] logits = new double[VOCAB];
        double[] u = new double[r];
        double[] du = new double[r];
        long n = 0;
        for (byte[] s : batch) {
            n += Math.max(0, s.length - 1);
        }
        if (n == 0) {
            return 0;
        }
        double sum = 0;
        for (byte[] s : batch) {
            for (int i = 0; i + 1 < s.length; i++) {
                int x = s[i] & 0xff;
                int y = s[i + 1] & 0xff;
                sum += forward(x, y, logits, u); // logits now holds softmax probabilities
                logits[y] -= 1;
                java.util.Arrays.fill(du, 0);
                for (int v = 0; v < VOCAB; v++) {
                    double g = logits[v] / n;
                    int row = v * r;
                    for (int k = 0; k < r; k++) {
                        gb[row + k] += scale * g * u[k];
                        du[k] += scale * g * b[row + k];
                    }
                }
                int h = x * d;
                for (int k = 0; k < r; k++) {
                    int row = k * d;
                    for (int j = 0; j < d; j++) {
                        ga[row + j] += du[k] * emb[h + j];
                    }
                }
            }
        }
        t++;
        adam(a, ga, ma, va, lr);
        adam(b, gb, mb, vb, lr);
        return sum / n;
    }

    private void adam(float[] p, double[] g, double[] m, double[] v, double lr) {
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < p.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * g[i];
            v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
            p[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS));
        }
    }

    /** Fills {@code probs} with the next-byte distribution after {@code x} and {@code u} with A·h; returns -log p(y). */
    private double forward(int x, int y, double[] probs, double[] u) {
        int h = x * d;
        for (int k = 0; k < r; k++) {
            double s = 0;
            int row = k * d;
            for (int j = 0; j < d; j++) {
                s += a[row + j] * emb[h + j];
            }
            u[k] = s;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < VOCAB; v++) {
            double s = 0;
            int row = v * d;
            for (int j = 0; j < d; j++) {
                s += w[row + j] * emb[h + j];
            }
            double lora = 0;
            int brow = v * r;
            for (int k = 0; k < r; k++) {
                lora += b[brow + k] * u[k];
            }
            probs[v] = s + scale * lora;
            max = Math.max(max, probs[v]);
        }
        double z = 0;
        for (int v = 0; v < VOCAB; v++) {
            probs[v] = Math.exp(probs[v] - max);
            z += probs[v];
        }
        for (int v = 0; v < VOCAB; v++) {
            probs[v] /= z;
        }
        return -Math.log(Math.max(probs[y], 1e-300));
    }

    /** The most likely next bytes after {@code prompt}, greedy, at most {@code max} of them. */
    public byte[] continueGreedy(byte[] prompt, int max) {
        byte[] out = new byte[max];
        double[] probs = new double[VOCAB];
        double[] u = new double[r];
        int x = prompt.length == 0 ? '\n' : prompt[prompt.length - 1] & 0xff;
        for (int i = 0; i < max; i++) {
            forward(x, 0, probs, u);
            int best = 0;
            for (int v = 1; v < VOCAB; v++) {
                if (probs[v] > probs[best]) {
                    best = v;
                }
            }
            out[i] = (byte) best;
            x = best;
        }
        return out;
    }

    /** The adapter as PEFT names it for a LoRA on {@code lm_head}. */
    public Map<String, Safetensors.Tensor> adapterTensors() {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        out.put("base_model.model.lm_head.lora_A.weight", new Safetensors.Tensor(new int[] {r, d}, a.clone()));
        out.put("base_model.model.lm_head.lora_B.weight", new Safetensors.Tensor(new int[] {VOCAB, r}, b.clone()));
        return out;
    }
}
