package io.libuid2.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The checked-in table of the official Java SDK's public API (official-api.tsv) against io.libuid2, so that
 * a change to either side cannot drift silently: every official row is in io.libuid2 exactly (names,
 * signatures, checked exceptions, enum constants and their ordinals) unless not-provided.tsv says why not;
 * and the table is what the official 4.8.0 jar has, when that jar is on the class path.
 *
 * <p>System properties: uid2.compat.dir (this directory), uid2.jar (libuid2's jar), uid2.officialJar
 * (the official jar, its dependencies on the class path; optional).
 */
class ApiTableTest {
    static Path dir() { return Paths.get(System.getProperty("uid2.compat.dir")); }

    static List<String> rows(String file) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir().resolve(file), StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#")) rows.add(line);
        }
        return rows;
    }

    static boolean notProvided(String row, List<String> exclusions) {
        String[] r = row.split("\t", 3);
        for (String e : exclusions) {
            String[] x = e.split("\t");
            if (x[0].equals(r[0]) && (x[1].equals("*") || (x[1].equals(r[1]) && x[2].equals(r[2])))) return true;
        }
        return false;
    }

    @Test
    void everyOfficialRowIsInLibuid2UnlessListedAsNotProvided() throws Exception {
        List<String> ours = ApiTable.of(System.getProperty("uid2.jar"), "io.libuid2");
        List<String> exclusions = rows("not-provided.tsv");
        List<String> missing = new ArrayList<>();
        for (String row : rows("official-api.tsv")) {
            if (!notProvided(row, exclusions) && !ours.contains(row)) missing.add(row);
        }
        assertEquals(List.of(), missing, "official API rows that io.libuid2 lacks or has differently");
        // Every exclusion names rows of the table, and none that io.libuid2 does provide.
        for (String e : exclusions) {
            String[] x = e.split("\t");
            assertEquals(4, x.length, "TYPE, KIND, ROW, REASON: " + e);
            boolean used = false;
            for (String row : rows("official-api.tsv")) used |= notProvided(row, List.of(e));
            assertTrue(used, "not-provided.tsv names nothing of the table: " + e);
            if (!x[1].equals("*")) assertFalse(ours.contains(x[0] + "\t" + x[1] + "\t" + x[2]), "provided after all: " + e);
        }
    }

    @Test
    void theTableIsTheOfficialJars() throws Exception {
        String official = System.getProperty("uid2.officialJar", "");
        Assumptions.assumeFalse(official.isEmpty(), "the official jar is not available");
        List<String> table = rows("official-api.tsv"), jar = ApiTable.of(official, "com.uid2.client");
        List<String> onlyTable = new ArrayList<>(table), onlyJar = new ArrayList<>(jar);
        onlyTable.removeAll(jar);
        onlyJar.removeAll(table);
        assertEquals(List.of(), onlyTable, "rows of official-api.tsv that the official jar does not have");
        assertEquals(List.of(), onlyJar, "rows of the official jar missing from official-api.tsv");
        assertEquals(jar, table, "official-api.tsv is not in ApiTable's order");
    }
}
