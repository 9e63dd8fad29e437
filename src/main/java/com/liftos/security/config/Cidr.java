package com.liftos.security.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** An IPv4 or IPv6 network in CIDR form; a bare address is a /32 or /128. Parsing never resolves host names. */
public record Cidr(byte[] network, int prefixLength) {

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
        if (addr.isEmpty() || !addr.matches("[0-9a-fA-F:.]+")) {
            return Optional.empty();
        }
        if (addr.indexOf(':') < 0 && !addr.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(addr).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
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
