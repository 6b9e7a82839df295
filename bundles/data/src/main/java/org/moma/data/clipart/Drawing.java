package org.moma.data.clipart;

import java.nio.file.Path;

/**
 * One distinct clip-art drawing: its SVG's path under {@code svg/} once links are resolved (its
 * identity: the split and the order hash it), the PNG rendering of it, and its caption.
 */
record Drawing(String id, Path png, String caption) {}
