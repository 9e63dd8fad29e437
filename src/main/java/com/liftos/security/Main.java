package com.liftos.security;

import com.liftos.security.cli.LiftosCommand;

/** {@code java -jar liftos-security.jar <command>}: see {@code liftos --help}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = LiftosCommand.execute(args, System.getenv(), System.out, System.err);
        if (code != LiftosCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
