package com.liftos.security.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** An IPv4 or IPv6 network in CIDR form; a bare address is a /32 or /128. Parsing never resolves host names. */
public record Cidr(byte[] network, int prefixLength) {
    private static final java.util.regex.Pattern IPV6_CHARS = java.util.regex.Pattern.compile("[0-9a-fA-F:.]+");

    public Cidr {
        network = network.clone();
        if (prefixLength < 0 || prefixLength > network.length * 8) {
            throw new IllegalArgumentException("prefix length out of range");
        }
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    public static boolean isValid(String text) {
        return parse(text).isPresent();
    }

    public static Optional<Cidr> parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        Optional<byte[]> bytes = literal(addr);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        int max = bytes.get().length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (prefix < 0 || prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Cidr(bytes.get(), prefix));
    }

    /** Parses an IP literal without DNS: only digits, dots, hex and colons are accepted. */
    public static Optional<byte[]> literal(String addr) {
        if (addr.indexOf(':') < 0) {
            return ipv4(addr);
        }
        if (!IPV6_CHARS.matcher(addr).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(addr).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Dotted-quad IPv4 only (four decimal parts of one to three digits, each at most 255); this runs on every request. */
    private static Optional<byte[]> ipv4(String addr) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i < addr.length(); i++) {
            char ch = addr.charAt(i);
            if (ch >= '0' && ch <= '9') {
                value = value * 10 + (ch - '0');
                if (++digits > 3 || value > 255) {
                    return Optional.empty();
                }
            } else if (ch == '.' && digits > 0 && part < 3) {
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return Optional.empty();
            }
        }
        if (part != 3 || digits == 0) {
            return Optional.empty();
        }
        out[3] = (byte) value;
        return Optional.of(out);
    }

    /** Whether {@code address} (an IP literal) lies inside this network; other address families never match. */
    public boolean contains(String address) {
        return literal(address).map(this::contains).orElse(false);
    }

    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }
}
