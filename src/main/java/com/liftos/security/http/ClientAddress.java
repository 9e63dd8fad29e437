package com.liftos.security.http;

import com.liftos.security.config.Cidr;
import com.liftos.security.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who is really calling, and over what: forwarding headers are believed only when the socket peer is a
 * trusted proxy, and only the one header the deployment names ({@code X-Forwarded-For} or RFC 7239
 * {@code Forwarded}); a client cannot smuggle the other. Walking the hops from the right, trusted proxies
 * are skipped and the first address that is not one is the client, so entries a client prepends itself are
 * never reached. A hop that is not an IP literal stops the walk at the last trusted hop (or the peer).
 */
final class ClientAddress {
    private final List<Cidr> trusted;
    private final Config.Edge.ForwardedHeader header;

    ClientAddress(List<String> trustedProxies, Config.Edge.ForwardedHeader header) {
        this.trusted = trustedProxies.stream().map(c -> Cidr.parse(c).orElseThrow()).toList();
        this.header = header;
    }

    /** The resolved client and whether the original request used HTTPS. */
    record Resolved(String clientIp, boolean https) {}

    Resolved resolve(String peer, boolean peerHttps, List<String> forwardedFor, List<String> forwarded, List<String> forwardedProto) {
        String peerIp = canonical(peer).orElse(peer);
        if (!isTrusted(peerIp)) {
            return new Resolved(peerIp, peerHttps);
        }
        List<String> hops = new ArrayList<>();
        Optional<String> proto;
        if (header == Config.Edge.ForwardedHeader.FORWARDED) {
            List<String[]> elements = forwardedElements(forwarded);
            for (String[] e : elements) {
                hops.add(e[0]);
            }
            proto = elements.isEmpty() ? Optional.empty() : Optional.ofNullable(elements.get(elements.size() - 1)[1]);
        } else {
            for (String value : forwardedFor) {
                for (String part : value.split(",")) {
                    hops.add(part.strip());
                }
            }
            proto = lastListValue(forwardedProto);
        }
        boolean https = proto.map(p -> asciiLower(p).equals("https")).orElse(peerHttps);
        String client = peerIp;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<String> hop = canonical(stripPort(hops.get(i)));
            if (hop.isEmpty()) {
                break;
            }
            client = hop.get();
            if (!isTrusted(client)) {
                break;
            }
        }
        return new Resolved(client, https);
    }

    boolean isTrusted(String ip) {
        Optional<byte[]> bytes = Cidr.literal(ip);
        if (bytes.isEmpty()) {
            return false;
        }
        for (Cidr c : trusted) {
            if (c.contains(bytes.get())) {
                return true;
            }
        }
        return false;
    }

    /** {@code for} and {@code proto} of each RFC 7239 element, in order. */
    private static List<String[]> forwardedElements(List<String> values) {
        List<String[]> out = new ArrayList<>();
        for (String value : values) {
            for (String element : value.split(",")) {
                String forValue = null;
                String protoValue = null;
                for (String pair : element.split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        continue;
                    }
                    String name = asciiLower(pair.substring(0, eq).strip());
                    String v = unquote(pair.substring(eq + 1).strip());
                    if (name.equals("for")) {
                        forValue = v;
                    } else if (name.equals("proto")) {
                        protoValue = v;
                    }
                }
                out.add(new String[] {forValue == null ? "" : forValue, protoValue});
            }
        }
        return out;
    }

    /** Lower-cases A-Z only: protocol tokens are ASCII, and no Unicode case mapping can turn another letter into one. */
    static String asciiLower(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] = (char) (c[i] + ('a' - 'A'));
            }
        }
        return new String(c);
    }

    private static Optional<String> lastListValue(List<String> values) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = values.get(values.size() - 1).split(",");
        return Optional.of(parts[parts.length - 1].strip());
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** {@code [v6]:port}, {@code [v6]} and {@code v4:port} to the bare address. */
    static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
            return hop.substring(0, colon);
        }
        return hop;
    }

    /** The canonical text of an IP literal (no DNS); empty when it is not one. */
    static Optional<String> canonical(String address) {
        return Cidr.literal(address).map(b -> {
            try {
                return InetAddress.getByAddress(b).getHostAddress();
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
            }
        });
    }
}
