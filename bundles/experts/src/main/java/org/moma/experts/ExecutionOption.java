package org.moma.experts;

import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;

/** How an expert group runs its experts: one after another, or as one batched product. */
public final class ExecutionOption {
  public static final OptionSpec SPEC =
      OptionSpec.string("execution", "batched",
          "batched (one product over stacked experts when all take equal token counts) or sequential");

  private ExecutionOption() {}

  /** Whether the options ask for batched execution. */
  public static boolean batched(Options options) {
    String value = options.getString(SPEC.name());
    switch (value) {
      case "sequential":
        return false;
      case "batched":
        return true;
      default:
        throw new SpecException(options.path() + "." + SPEC.name(), "use sequential or batched, found '" + value + "'");
    }
  }
}
