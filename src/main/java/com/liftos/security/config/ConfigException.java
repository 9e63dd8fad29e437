package com.liftos.security.config;

import java.util.List;

/** Thrown when the configuration is invalid; each problem is one line naming its variable, never its value if secret. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
