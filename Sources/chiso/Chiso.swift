import ArgumentParser
import ChisoApp

@main
enum Chiso {
    static func main() async {
        await ChisoCommand.main()
    }
}
