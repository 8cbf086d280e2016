package dev.outpost.host.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/** The process table through OSHI: macOS, Windows, the BSDs, and Linux without a readable /proc. */
public final class OshiProcTable implements ProcInfo.Table {
    private final OperatingSystem os;
    private volatile Map<Integer, OSProcess> last = Map.of();

    public OshiProcTable(OperatingSystem os) {
        this.os = os;
    }

    @Override
    public List<ProcInfo> list() {
        List<OSProcess> all = os.getProcesses();
        Map<Integer, OSProcess> byPid = new HashMap<>();
        List<ProcInfo> out = new ArrayList<>(all.size());
        for (OSProcess x : all) {
            byPid.put(x.getProcessID(), x);
            out.add(new ProcInfo(x.getProcessID(), x.getParentProcessID(), x.getName(), text(x.getUser()), text(x.getUserID()),
                    x.getState().name().toLowerCase(java.util.Locale.ROOT),
                    x.getStartTime() > 0 ? Optional.of(x.getStartTime()) : Optional.empty(), x.getUserTime(), x.getKernelTime(),
                    x.getResidentSetSize(), x.getVirtualSize(), x.getThreadCount(), x.getPriority()));
        }
        last = byPid;
        return out;
    }

    @Override
    public ProcInfo.Extra extra(ProcInfo p) {
        OSProcess x = last.get(p.pid());
        if (x == null) {
            return new ProcInfo.Extra(Optional.empty(), Optional.empty());
        }
        List<String> args = x.getArguments();
        return new ProcInfo.Extra(text(x.getPath()), args.isEmpty() ? Optional.empty() : Optional.of(args));
    }

    @Override
    public ProcInfo.Details details(ProcInfo p) {
        OSProcess x = last.get(p.pid());
        if (x == null) {
            return new ProcInfo.Details(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        return new ProcInfo.Details(x.getOpenFiles() < 0 ? Optional.empty() : Optional.of(x.getOpenFiles()),
                text(x.getCurrentWorkingDirectory()), Optional.of(x.getBytesRead()), Optional.of(x.getBytesWritten()));
    }

    private static Optional<String> text(String s) {
        return s == null || s.isEmpty() || s.equals("unknown") ? Optional.empty() : Optional.of(s);
    }
}
