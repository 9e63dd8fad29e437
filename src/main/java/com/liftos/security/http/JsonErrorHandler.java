package com.liftos.security.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors Jetty raises before a request reaches Javalin (a malformed request line or URI, bad UTF-8 or an ambiguous
 * path, a URI or headers too large, an unsupported HTTP version): the same JSON body, request id and security headers
 * as every other error, in place of Jetty's HTML page, whatever the method and the {@code Accept} header. Jetty's own
 * reason is not echoed (it may quote the request).
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorHandler.class);

    private final ObjectMapper json;
    private final Map<String, String> securityHeaders;

    JsonErrorHandler(ObjectMapper json, Map<String, String> securityHeaders) {
        this.json = json;
        this.securityHeaders = Map.copyOf(securityHeaders);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws JsonProcessingException {
        int status = response.getStatus();
        if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException cause) {
            status = cause.getCode();
        }
        if (status < 400) {
            status = 500;
        }
        response.setStatus(status);
        String requestId = HttpServer.newRequestId();
        if (status == 500) {
            LOG.warn("{} -> {} before routing request_id={}", request.getMethod(), status, requestId);
        } else {
            LOG.debug("refused before routing -> {} request_id={}", status, requestId);
        }
        HttpFields.Mutable headers = response.getHeaders();
        securityHeaders.forEach(headers::put);
        headers.put("X-Request-ID", requestId);
        // Jetty drops a connection whose request it could not parse; saying so keeps clients from reusing it.
        headers.put(HttpHeader.CONNECTION, "close");
        if (HttpStatus.hasNoBody(status) || "HEAD".equals(request.getMethod())) {
            callback.succeeded();
            return true;
        }
        headers.put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] body = json.writeValueAsBytes(ErrorMapper.body(ErrorMapper.code(status), ErrorMapper.message(status), requestId, Map.of()));
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
