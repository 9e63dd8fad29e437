package com.liftos.security.http;

import com.liftos.security.identity.Principal;
import java.util.Optional;

/** Turns a bearer access token into a verified {@link Principal}, or nothing when it does not verify. */
@FunctionalInterface
public interface BearerAuthenticator {
    Optional<Principal> authenticate(String token, RequestContext request);
}
