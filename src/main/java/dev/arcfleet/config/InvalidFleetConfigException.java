package dev.arcfleet.config;

import java.util.List;

/** Every problem found in a {@code repositories.yaml}, each naming the repository and field. */
public class InvalidFleetConfigException extends Exception {

    private final List<String> problems;

    public InvalidFleetConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
