package com.liftos.security.cli;

import com.liftos.security.store.Database;
import com.liftos.security.store.Migrations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code liftos migrate} applies pending migrations; {@code liftos migrate status} lists them. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply pending database migrations.",
        subcommands = MigrateCommand.Status.class)
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Override
    public Integer call() {
        try (Database database = Database.open(parent.config())) {
            int applied = new Migrations(database.dataSource()).migrate();
            parent.out.println(applied + " migration(s) applied");
        }
        return 0;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List migrations and their state.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        MigrateCommand migrate;

        @Override
        public Integer call() {
            try (Database database = Database.open(migrate.parent.config())) {
                new Migrations(database.dataSource()).status().forEach(migrate.parent.out::println);
            }
            return 0;
        }
    }
}
