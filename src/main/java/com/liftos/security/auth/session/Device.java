package com.liftos.security.auth.session;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A client device as seen at login: the seed's {@code DeviceFingerprint.generate_fingerprint(user_agent, ip)}
 * made stable — SHA-256 over the normalized user agent (lower case, versions cut to their major number so a
 * browser patch update is not a new device), the first Accept-Language tag, the client's network prefix (IPv4
 * /24, IPv6 /64, so a DHCP renewal is not a new device) and the optional client-supplied device id.
 *
 * @param fingerprint 32 hex characters
 */
public record Device(String fingerprint, Optional<String> deviceId, String networkPrefix) {
    private static final Pattern MINOR_VERSIONS = Pattern.compile("(\\d+)(?:[._]\\d+)+");
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Every client when device fingerprinting is switched off (all zeros: no SHA-256 prefix in practice). */
    static final Device UNFINGERPRINTED = new Device("0".repeat(32), Optional.empty(), "");

    public Device {
        if (!fingerprint.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("fingerprint must be 32 hex characters");
        }
    }

    /** True when {@code id} is an acceptable client-supplied device id. */
    public static boolean validDeviceId(String id) {
        return DEVICE_ID.matcher(id).matches();
    }

    public static Device of(Optional<String> userAgent, Optional<String> acceptLanguage, String clientIp, Optional<String> deviceId) {
        String ua = userAgent.map(u -> MINOR_VERSIONS.matcher(u.toLowerCase(Locale.ROOT).strip()).replaceAll("$1")
                .replaceAll("\\s+", " ")).orElse("");
        String lang = acceptLanguage.map(l -> l.split(",")[0].split(";")[0].strip().toLowerCase(Locale.ROOT)).orElse("");
        String prefix = networkPrefix(clientIp);
        Optional<String> id = deviceId.filter(Device::validDeviceId);
        String material = "v1\n" + ua + "\n" + lang + "\n" + prefix + "\n" + id.orElse("");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            return new Device(HexFormat.of().formatHex(digest, 0, 16), id, prefix);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** {@code a.b.c.0/24} for IPv4, the first 64 bits for IPv6; the literal itself when it is not an IP literal. */
    static String networkPrefix(String ip) {
        if (!ip.matches("[0-9a-fA-F:.]+")) {
            return ip;
        }
        try {
            byte[] a = InetAddress.getByName(ip).getAddress();
            if (a.length == 4) {
                return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + ".0/24";
            }
            return HexFormat.of().formatHex(a, 0, 8) + "::/64";
        } catch (UnknownHostException e) {
            return ip;
        }
    }
}
