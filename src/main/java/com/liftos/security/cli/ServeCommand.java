package com.liftos.security.cli;

import com.liftos.security.App;
import com.liftos.security.config.Config;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Runs the service until SIGTERM/SIGINT, then shuts down gracefully (in-flight requests finish, pool closes). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the HTTP service (runs setup on an empty data directory).")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        Config config = parent.config();
        App app = App.start(config, Clock.systemUTC(), parent.out);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "liftos-shutdown"));
        return LiftosCommand.KEEP_RUNNING;
    }
}
