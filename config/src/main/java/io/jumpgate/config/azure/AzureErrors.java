package io.jumpgate.config.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;

/** Turns Azure SDK failures into one line an operator can act on. */
final class AzureErrors {
    private AzureErrors() {}

    static String describe(Throwable e, String whatFor) {
        HttpResponseException http = find(e, HttpResponseException.class);
        if (http != null && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            String code = http instanceof ManagementException m && m.getValue() != null ? m.getValue().getCode() : null;
            String detail = http instanceof ManagementException m && m.getValue() != null ? m.getValue().getMessage() : null;
            String head = "HTTP " + status + (code != null ? " " + code : "");
            String hint = switch (status) {
                case 401 -> ": the gateway's Azure identity was not accepted (check the managed identity or service principal)";
                case 403 -> ": the gateway's Azure identity lacks permission (" + whatFor + ")";
                case 404 -> ": not found";
                case 429 -> ": throttled by Azure Resource Manager, retries exhausted";
                default -> "";
            };
            return head + hint + (detail != null ? " — " + oneLine(detail) : "");
        }
        java.net.ConnectException refused = find(e, java.net.ConnectException.class);
        if (refused != null) {
            return "cannot connect to Azure (" + (refused.getMessage() == null ? "connection refused" : oneLine(refused.getMessage())) + ")";
        }
        java.net.http.HttpTimeoutException timeout = find(e, java.net.http.HttpTimeoutException.class);
        if (timeout != null) {
            return "Azure did not answer in time (" + oneLine(String.valueOf(timeout.getMessage())) + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage() == null ? "" : ": " + oneLine(root.getMessage());
        return root.getClass().getSimpleName() + msg;
    }

    static int status(Throwable e) {
        HttpResponseException http = find(e, HttpResponseException.class);
        return http != null && http.getResponse() != null ? http.getResponse().getStatusCode() : -1;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    private static String oneLine(String s) {
        String l = s.replaceAll("\\s+", " ").trim();
        return l.length() > 300 ? l.substring(0, 300) + "…" : l;
    }
}
