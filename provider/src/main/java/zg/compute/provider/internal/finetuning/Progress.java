package zg.compute.provider.internal.finetuning;

import java.util.EnumSet;
import java.util.Set;

/** A task's state (provider spec §7.4); the names are the wire values of {@code Task.progress}. */
public enum Progress {
    Init, SettingUp, SetUp, Training, Trained, Delivering, Delivered, UserAcknowledged, Finished, Failed;

    /** Counted by {@code GET /v1/task/pending} and the queue limit. */
    public static final Set<Progress> PENDING = EnumSet.of(Init, SettingUp, SetUp, Training);
    /** The user may still cancel. */
    public static final Set<Progress> CANCELLABLE = EnumSet.of(Init, SettingUp, SetUp);
    public static final Set<Progress> TERMINAL = EnumSet.of(Finished, Failed);
}
