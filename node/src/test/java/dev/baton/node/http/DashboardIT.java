package dev.baton.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.support.Prerequisite;
import dev.baton.node.support.Requires;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The dashboard in a real headless Chromium (Debian's chromium and chromium-driver), against two real nodes. */
@Requires(Prerequisite.CHROMIUM)
@Order(10)
class DashboardIT {

    private static TwoNodes nodes;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        // Ids and addresses of its own: HttpApiIT's pair ("a" and "b", whose Hazelcast instances are named
        // after them, unique in the JVM) may be running beside it.
        nodes = new TwoNodes("da", "127.0.0.25", "db", "127.0.0.26", Map.of());
        ChromeOptions options = new ChromeOptions().setBinary(Prerequisite.CHROMIUM_BINARY.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory("baton-chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Prerequisite.CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    private static WebDriverWait await() {
        return new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(200));
    }

    /** Reads the page in one script call: it re-renders every two seconds, so elements go stale. */
    @SuppressWarnings("unchecked")
    private static List<String> read(String selector, String expression) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("return [...document.querySelectorAll("
                + "arguments[0])].map(e => " + expression + ")", selector);
    }

    private static List<String> column(int index) {
        return read("#workers tbody tr", "e.children[" + index + "].textContent");
    }

    private static int runs(String worker) {
        return read(".timeline-row[data-worker='" + worker + "'] .run", "e.dataset.node").size();
    }

    @Test
    void eitherNodeShowsTheClusterAndTheTriggerButtonWithTheTokenRunsTheWorker() {
        browser.get(nodes.url(nodes.b, "/"));
        await().until(d -> d.findElements(By.cssSelector("#members tbody tr")).size() == 2
                && d.findElements(By.cssSelector("#workers tbody tr")).size() == 4
                && d.findElements(By.cssSelector(".timeline-row[data-worker='drill-0000'] .run")).size() >= 3);
        List<String> workersOnB = column(0);
        List<String> membersOnB = read("#members tbody tr", "e.dataset.node");
        assertThat(browser.findElement(By.id("quorum")).getText()).contains("quorum");

        browser.get(nodes.url(nodes.a, "/"));
        await().until(d -> d.findElements(By.cssSelector("#workers tbody tr")).size() == 4
                && runs("drill-0001") >= 3);
        assertThat(column(0)).isEqualTo(workersOnB).contains("PassiveUserCheckerWorker", "drill-0000");
        assertThat(read("#members tbody tr", "e.dataset.node")).isEqualTo(membersOnB).containsExactly("da", "db");
        assertThat(read(".timeline-row[data-worker='drill-0001'] .run", "e.dataset.node")).isSubsetOf("da", "db");

        int before = runs("PassiveUserCheckerWorker");
        browser.findElement(By.id("token")).sendKeys(TwoNodes.TOKEN);
        click("PassiveUserCheckerWorker", "trigger");
        await().until(d -> runs("PassiveUserCheckerWorker") == before + 1);
        List<String> titles = read(".timeline-row[data-worker='PassiveUserCheckerWorker'] .run", "e.title");
        assertThat(titles.getLast()).contains("(triggered)");

        click("drill-0002", "pause");
        await().until(d -> stateOf("drill-0002").equals("paused"));
        click("drill-0002", "resume");
        await().until(d -> !stateOf("drill-0002").equals("paused"));

        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertThat(errors).as("console errors").isEmpty();
    }

    /** Clicks a worker's button, finding it again if a refresh replaced it in between. */
    private static void click(String worker, String action) {
        await().ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("button[data-worker='" + worker + "'][data-action='" + action + "']")).click();
            return true;
        });
    }

    private static String stateOf(String worker) {
        List<String> state = read("#workers tbody tr[data-worker='" + worker + "']", "e.children[2].textContent");
        return state.isEmpty() ? "" : state.getFirst();
    }
}
