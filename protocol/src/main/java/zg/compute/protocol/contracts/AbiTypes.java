package zg.compute.protocol.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Array;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.BytesType;
import org.web3j.abi.datatypes.NumericType;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;

/** Small bridge between ABI JSON type strings and web3j's type system. */
final class AbiTypes {

    private AbiTypes() {
    }

    /** Canonical type string of an ABI parameter, expanding tuples: {@code (uint256,string)[]}. */
    static String canonical(JsonNode param) {
        String type = param.get("type").asText();
        if (type.startsWith("tuple")) {
            List<String> parts = new ArrayList<>();
            for (JsonNode c : param.get("components")) {
                parts.add(canonical(c));
            }
            return "(" + String.join(",", parts) + ")" + type.substring("tuple".length());
        }
        return type;
    }

    @SuppressWarnings("unchecked")
    static TypeReference<Type> reference(String solidityType) {
        try {
            return (TypeReference<Type>) (TypeReference<?>) TypeReference.makeTypeReference(solidityType);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unsupported ABI type " + solidityType, e);
        }
    }

    static Object toJava(Type value) {
        if (value instanceof NumericType n) {
            return n.getValue();
        }
        if (value instanceof Address a) {
            return a.getValue();
        }
        if (value instanceof Utf8String s) {
            return s.getValue();
        }
        if (value instanceof Bool b) {
            return b.getValue();
        }
        if (value instanceof BytesType b) {
            return b.getValue();
        }
        if (value instanceof Array<?> arr) {
            List<Object> out = new ArrayList<>();
            for (Object v : arr.getValue()) {
                out.add(toJava((Type) v));
            }
            return out;
        }
        return value.getValue();
    }
}
