package com.liftos.security.cli;

import com.liftos.security.App;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.config.ConfigLoader;
import com.liftos.security.crypto.KeyFileException;
import com.liftos.security.http.HttpServer;
import com.liftos.security.store.StoreException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code liftos} command line. Every failure is one clear line on stderr and a non-zero exit code. */
@Command(name = "liftos", mixinStandardHelpOptions = true, versionProvider = LiftosCommand.Version.class,
        description = "LiftOS Security: credential vault, authentication, authorization and audit.",
        subcommands = {ServeCommand.class, SetupCommand.class, MigrateCommand.class, KeysCommand.class, VaultCommand.class,
                AuditCommand.class, BackupCommand.class})
public final class LiftosCommand implements Callable<Integer> {
    /** Returned by {@code serve}: the process keeps running until SIGTERM. */
    public static final int KEEP_RUNNING = -1;
    public static final int CONFIG_ERROR = 2;
    public static final int FAILURE = 1;

    Map<String, String> env = Map.of();
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        new CommandLine(this).usage(out);
        return 0;
    }

    /** Runs the CLI with an explicit environment (the process env plus ./.env, env winning). */
    public static int execute(String[] args, Map<String, String> processEnv, PrintStream out, PrintStream err) {
        LiftosCommand root = new LiftosCommand();
        Map<String, String> merged = new HashMap<>(ConfigLoader.readDotEnvQuietly(Path.of(".env")));
        merged.putAll(processEnv);
        root.env = merged;
        root.out = out;
        root.err = err;
        CommandLine cli = new CommandLine(root);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("liftos: " + ex.getMessage() + " (see 'liftos --help')");
            return CONFIG_ERROR;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("liftos: " + describe(ex));
            return ex instanceof ConfigException ? CONFIG_ERROR : FAILURE;
        });
        return cli.execute(args);
    }

    Config config() {
        return ConfigLoader.load(env);
    }

    /** One line (or one per config problem) for a failure; never a stack trace. */
    static String describe(Exception ex) {
        if (ex instanceof ConfigException ce) {
            return "invalid configuration:\n  " + String.join("\n  ", ce.problems());
        }
        if (ex instanceof StoreException || ex instanceof KeyFileException || ex instanceof HttpServer.HttpStartException
                || ex instanceof UncheckedIOException || ex instanceof IllegalStateException) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage().lines().findFirst().orElse(""));
    }

    /** Reads the version from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"liftos " + App.version()};
        }
    }
}
