package dev.outpost.sqs.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * SQS bodies are text limited to XML-safe characters. Bodies that are such text travel as they
 * are (so other consumers can read them); anything else travels base64-encoded, flagged by an
 * attribute.
 */
public final class WireBody {
    public static final String ENCODING_ATTRIBUTE = "outpost-body-encoding";
    public static final String BASE64 = "base64";
    public static final String EMPTY = "empty";

    private WireBody() {}

    /** {text, encoding or null}. */
    public static String[] encode(byte[] body) {
        if (body.length == 0) {
            return new String[] {"-", EMPTY};
        }
        String text = asSafeText(body);
        return text != null ? new String[] {text, null} : new String[] {Base64.getEncoder().encodeToString(body), BASE64};
    }

    public static byte[] decode(String text, String encoding) {
        if (encoding == null) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        return switch (encoding) {
            case BASE64 -> Base64.getDecoder().decode(text);
            case EMPTY -> new byte[0];
            default -> throw new IllegalArgumentException("unknown body encoding '" + encoding + "'");
        };
    }

    private static String asSafeText(byte[] body) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return isSafeText(s) ? s : null;
    }

    /**
     * Whether every character is one SQS accepts in bodies and attribute values. Characters beyond
     * U+FFFF are accepted by SQS but refused by some compatible servers, so they count as unsafe.
     */
    public static boolean isSafeText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
