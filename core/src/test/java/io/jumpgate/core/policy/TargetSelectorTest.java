package io.jumpgate.core.policy;

import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetSelectorTest {
    @Test
    void globCases() {
        Object[][] rows = {
                {"web_*", "web_0", true}, {"WEB_*", "web_0", true}, {"web_*", "WEB_12", true}, {"web_?", "web_10", false},
                {"web_?", "web_1", true}, {"db.*", "dbx1", false}, {"db.*", "db.1", true}, {"a*b*c", "aXbYc", true},
                {"a*b*c", "aXbY", false}, {"*_0", "web_10", false}, {"**", "x", true}, {"?", "ab", false},
                {"a*", "a", true}, {"*a", "baa", true}, {"a*ab", "aaab", true}, {"*", "anything", true},
                {"web_0", "web_0", true}, {"web_0", "web_00", false}, {"web_00", "web_0", false}, {"[ab]", "a", false},
        };
        for (Object[] r : rows) {
            assertEquals(r[2], TargetSelector.globMatches((String) r[0], (String) r[1]), r[0] + " vs " + r[1]);
        }
    }

    /** The matcher agrees with the glob's regular-expression reading on random globs and names. */
    @Test
    void globAgreesWithItsRegexReading() {
        Random rnd = new Random(7);
        String globChars = "ab*?.A";
        String nameChars = "abAB._";
        for (int i = 0; i < 50_000; i++) {
            String glob = random(rnd, globChars, 1 + rnd.nextInt(7));
            String name = random(rnd, nameChars, 1 + rnd.nextInt(9));
            assertEquals(regex(glob).matcher(name.toLowerCase(Locale.ROOT)).matches(), TargetSelector.globMatches(glob, name),
                    glob + " vs " + name);
        }
    }

    @Test
    void aliasesAndTags() {
        Target t = new Target("web_0", List.of("frontend-a"), null, Map.of("role", "web"), null, PowerState.RUNNING, null);
        assertTrue(TargetSelector.globs("frontend-*").matches(t));
        assertTrue(new TargetSelector(List.of(), Map.of("role", "web")).matches(t));
        assertFalse(new TargetSelector(List.of("web_*"), Map.of("role", "db")).matches(t));
        assertFalse(new TargetSelector(List.of(), Map.of()).matches(t));
    }

    private static String random(Random r, String alphabet, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }

    private static Pattern regex(String glob) {
        StringBuilder b = new StringBuilder();
        for (char c : glob.toLowerCase(Locale.ROOT).toCharArray()) {
            switch (c) {
                case '*' -> b.append(".*");
                case '?' -> b.append('.');
                default -> b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(b.toString());
    }
}
