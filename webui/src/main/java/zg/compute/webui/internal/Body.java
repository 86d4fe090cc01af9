package zg.compute.webui.internal;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Base64;
import java.util.Locale;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.Amount;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ServiceKind;

/** A request's JSON body with typed, friendly-failing field access. Amounts are decimal strings of 0G, never floats. */
public record Body(JsonObject json) {

    public String required(String field) {
        Object v = json.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new InvalidRequestException(field + " is required");
        }
        return s.strip();
    }

    public String optional(String field) {
        Object v = json.getValue(field);
        return v instanceof String s && !s.isBlank() ? s.strip() : null;
    }

    public Integer integer(String field) {
        Object v = json.getValue(field);
        if (v == null || "".equals(v)) {
            return null;
        }
        try {
            return v instanceof Number n ? Integer.valueOf(Math.toIntExact(n.longValue()))
                    : Integer.valueOf(String.valueOf(v).strip());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidRequestException(field + " must be a whole number, got " + v);
        }
    }

    public Amount og(String field) {
        Object v = json.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new InvalidRequestException(field + " must be a decimal string of 0G, e.g. \"1.5\"");
        }
        return Amount.og(s.strip());
    }

    public ServiceKind kind() {
        Object v = json.getValue("service", "inference");
        return switch (String.valueOf(v).strip().toLowerCase(Locale.ROOT)) {
            case "inference" -> ServiceKind.INFERENCE;
            case "fine-tuning" -> ServiceKind.FINE_TUNING;
            default -> throw new InvalidRequestException("Unknown service \"" + v + "\": use inference or fine-tuning.");
        };
    }

    /** A file the page read and sent base64-encoded. */
    public byte[] file(String field) {
        String s = required(field);
        try {
            byte[] b = Base64.getDecoder().decode(s.substring(s.indexOf(',') + 1));
            if (b.length == 0) {
                throw new InvalidRequestException(field + " is empty");
            }
            return b;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field + " must be base64 (a data: URL is fine)");
        }
    }

    /** An amount for the page: 0G as a decimal string and neuron as an integer string. */
    public static JsonObject amount(BigInteger neuron) {
        return new JsonObject().put("og", Units.neuronToOg(neuron).toPlainString()).put("neuron", neuron.toString());
    }
}
